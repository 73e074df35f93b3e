import Foundation
import MediaCore
import Testing

@testable import Providers

/// An interrupted multipart upload continues with only the missing parts: the built `runner`
/// is killed with SIGKILL mid-upload, run again, and moto's own request log shows which parts
/// each run sent.
struct UploadResumeTests {
    /// `runner` next to the test bundle (`swift build --build-tests` builds both).
    static var runnerPath: String {
        Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("runner").path
    }

    @Test func killedUploadResumesWithOnlyMissingParts() async throws {
        let moto = try MotoServer.current()
        try #require(FileManager.default.isExecutableFile(atPath: Self.runnerPath), "build runner first: \(Self.runnerPath)")
        let dir = try TempDirectory()
        let partSize = 5 << 20
        let file = try await dir.randomFile("lecture.wav", size: 23 * partSize + 4321)
        let prefix = "resume-\(UUID().uuidString.prefix(8))"
        let key = "\(prefix)/lecture.wav"
        let sidecar = SidecarUploadStateStore.path(for: file.path)
        let arguments = [
            Self.runnerPath, "upload", file.path, "--to", "s3://\(moto.bucket)/\(prefix)", "--part-size", "5MiB",
            "--concurrency", "1", "--json",
        ]

        // Run 1: killed once at least two parts are saved.
        let logStart = moto.logSize
        let first = Process()
        first.executableURL = URL(fileURLWithPath: arguments[0])
        first.arguments = Array(arguments.dropFirst())
        first.standardOutput = FileHandle.nullDevice
        try first.run()
        // Polled on a Dispatch thread: the cooperative pool may be busy with other tests.
        let uri = "s3://\(moto.bucket)/\(key)"
        let saved = try await runOnDedicatedThread(name: "test") { () -> MultipartUploadState? in
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline, first.isRunning {
                if let data = FileManager.default.contents(atPath: sidecar),
                    let state = try? JSONDecoder().decode(MultipartUploadState.self, from: data),
                    state.uri == uri, state.parts.count >= 2
                {
                    kill(first.processIdentifier, SIGKILL)
                    return state
                }
                usleep(1000)
            }
            return nil
        }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let state = try #require(saved, "the first run never saved two parts")
        #expect(state.parts.count < 24, "the upload finished before it could be interrupted")
        #expect(first.terminationReason == .uncaughtSignal)
        let firstRunLog = moto.logLines(after: logStart)
        let afterKill = moto.logSize

        // Run 2: resumes.
        let output = try await Subprocess.run(arguments)
        let line = try #require(output.split(separator: "\n").first)
        let outcome = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(outcome?["status"] as? String == "uploaded")
        let secondRunParts = Self.partNumbers(in: moto.logLines(after: afterKill), uploadID: state.uploadID)
        let firstRunParts = Self.partNumbers(in: firstRunLog, uploadID: state.uploadID)

        // No part saved by run 1 is sent again; together the runs cover all 24 parts; run 2
        // reports exactly what it sent.
        #expect(Set(secondRunParts).isDisjoint(with: state.parts.keys))
        #expect(Set(firstRunParts).union(secondRunParts) == Set(1...24))
        #expect(secondRunParts.count == Set(secondRunParts).count)
        #expect(outcome?["parts_sent"] as? Int == secondRunParts.count)
        #expect(secondRunParts.count < 24)
        // No new upload was created by run 2.
        #expect(!moto.logLines(after: afterKill).contains { $0.contains("\"POST /\(moto.bucket)/\(key)?uploads") })

        #expect(!FileManager.default.fileExists(atPath: sidecar))
        #expect(try await AWSCLI.sha256(bucket: moto.bucket, key: key, in: dir.url) == file.sha256)
        #expect(try await AWSCLI.head(bucket: moto.bucket, key: key).metadata["sha256"] == file.sha256)
        // Run 1 declared CRC32C and recorded each part's checksum; run 2 completed with them:
        // moto's composite (computed from the bytes it holds) is the one run 2 printed.
        #expect(state.checksumAlgorithm == "CRC32C")
        #expect(Set(state.checksums.keys) == Set(state.parts.keys))
        let stored = try await AWSCLI.checksums(bucket: moto.bucket, key: key)
        // (moto's HeadObject leaves the `-<parts>` suffix of a composite out.)
        #expect(outcome?["checksum"] as? String == "CRC32C:" + (stored["ChecksumCRC32C"] ?? "none") + "-24")
        #expect(try await AWSCLI.uploadsInProgress(bucket: moto.bucket, prefix: prefix).isEmpty)
    }

    /// Part numbers of successful UploadPart requests of `uploadID` in moto's log.
    static func partNumbers(in lines: [String], uploadID: String) -> [Int] {
        lines.compactMap { line -> Int? in
            guard line.contains("\"PUT "), line.contains("uploadId=\(uploadID)"), line.contains("\" 200 "),
                let range = line.range(of: "partNumber=")
            else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
    }
}
