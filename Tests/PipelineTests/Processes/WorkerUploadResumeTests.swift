import Foundation
import Logging
import MediaCore
import Testing
@testable import Pipeline
@testable import Providers
#if canImport(Glibc)
import Glibc
#endif

/// A worker SIGKILLed in the middle of a multipart upload of a large output: the worker that
/// takes the job over sends only the parts that are missing, as moto's request log shows.
@Suite(.serialized)
struct WorkerUploadResumeTests {
    @Test func aWorkerKilledMidUploadIsFollowedByOneThatSendsOnlyTheMissingParts() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let bucket = env["S3_TEST_BUCKET"], env["AWS_ENDPOINT_URL"] != nil, let motoLog = env["MOTO_LOG"] else {
            Issue.record("S3_TEST_BUCKET/AWS_ENDPOINT_URL/MOTO_LOG unset: run through scripts/test.sh, which starts moto_server")
            return
        }
        let test = try await TestStore.make(.postgres)
        let prefix = "upload-resume-\(UUID().uuidString.lowercased().prefix(8))"
        let storage = S3Storage(configuration: try S3Configuration.fromEnvironment(), bucket: bucket, prefix: prefix)
        // 1,000 s of white noise at 16 kHz: one FLAC chunk of ~32 MB (noise does not compress),
        // seven 5 MiB parts sent one at a time.
        let root = TestEnvironment.scratchDirectory().appendingPathComponent("upload-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try await Self.writeNoise(seconds: 1000, to: root + "/noise.wav")
        _ = try await storage.put(file: root + "/noise.wav", key: "inputs/noise/noise.wav")
        let input = TranscribeInput(sourceKey: "inputs/noise/noise.wav", name: "noise.wav", chunkSeconds: 1100)
        let id = try await test.store.enqueue(EnqueueRequest(workflow: "transcribe", input: try JSON(encoding: input)), source: "test").jobID
        let uri = "s3://\(bucket)/\(prefix)/jobs/\(id.uuidString.lowercased())/chunks/0.flac"
        let flags = ["--out", "s3://\(bucket)/\(prefix)", "--concurrency", "1", "--rescue-after", "2s"]
        let tuning = ["S3_PART_SIZE": String(5 << 20), "S3_CONCURRENCY": "1"]

        let logStart = Self.size(of: motoLog)
        let first = try RunnerProcess.worker(databaseURL: test.url, flags, environment: tuning)
        var saved: UploadState?
        let deadline = ContinuousClock.now + .seconds(240)  // decoding and chunking come first; slow on a loaded machine
        while ContinuousClock.now < deadline, first.isRunning {
            if let state = try await test.store.upload(uri: uri), state.parts.count >= 2 {
                first.signal(SIGKILL)
                saved = state
                break
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        first.signal(SIGKILL)
        _ = try await first.wait(timeout: .seconds(10))
        try #require(saved != nil, "the first worker never saved two parts; log: \(first.log.suffix(1500))")
        let atKill = try #require(try await test.store.upload(uri: uri))  // what the killed worker had recorded
        let size = try #require(atKill.size)
        let total = Int((size + (5 << 20) - 1) / (5 << 20))
        #expect(atKill.parts.count < total, "the upload finished before it could be interrupted")
        let afterKill = Self.size(of: motoLog)

        let second = try RunnerProcess.worker(databaseURL: test.url, flags, environment: tuning)
        #expect(try await eventually(timeout: .seconds(90)) { try await test.store.job(id)?.status == .succeeded },
                "second worker log: \(second.log.suffix(2000))")
        second.signal(SIGTERM)
        _ = try await second.wait(timeout: .seconds(20))

        let key = "\(prefix)/jobs/\(id.uuidString.lowercased())/chunks/0.flac"
        let before = Self.partNumbers(Self.lines(motoLog, from: logStart, to: afterKill), uploadID: atKill.uploadID)
        let laterLines = Self.lines(motoLog, from: afterKill, to: nil)
        let later = Self.partNumbers(laterLines, uploadID: atKill.uploadID)
        let recorded = Set(atKill.parts.map(\.number))
        print("upload resume: \(total) parts, \(recorded.count) recorded before the kill, \(later.count) sent after it")
        #expect(Set(later).isDisjoint(with: recorded), "parts sent again: \(Set(later).intersection(recorded).sorted())")
        #expect(Set(before).union(later) == Set(1...total))
        #expect(later.count <= total - recorded.count + 1)  // +1: a part in flight at the kill lands after it
        #expect(!laterLines.contains { $0.contains("\"POST /\(key)?uploads") }, "a new upload was created")
        #expect(try await test.store.upload(uri: uri) == nil, "the finished upload is forgotten")
        // botocore reads the object back: the bytes the job recorded.
        let asset = try #require(try await test.store.assets(of: id).first { $0.uri == uri })
        let digest = try await ProcessFleetTests.python("""
            import boto3, hashlib, os, sys
            s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
            print(hashlib.sha256(s3.get_object(Bucket=sys.argv[1], Key=sys.argv[2])["Body"].read()).hexdigest())
            """, bucket, key)
        #expect(digest.trimmingCharacters(in: .whitespacesAndNewlines) == asset.sha256 && asset.bytes == size)
        await test.store.close()
    }

    /// Full-scale white noise, mono 16 kHz WAV.
    static func writeNoise(seconds: Double, to path: String) async throws {
        var seed: UInt32 = 2463534242
        let samples = (0..<Int(seconds * 16_000)).map { _ -> Float in
            seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5  // xorshift: fast and repeatable
            return Float(Int32(bitPattern: seed) >> 16) / 32768
        }
        try await MediaAudio.write(PCMAudio(samples: samples, sampleRate: 16_000), to: path, format: .wav)
    }

    static func size(of path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    static func lines(_ path: String, from start: Int, to end: Int?) -> [String] {
        guard let data = FileManager.default.contents(atPath: path), data.count >= start else { return [] }
        return String(decoding: data[start..<min(end ?? data.count, data.count)], as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Part numbers of successful UploadPart requests of `uploadID` in moto's log.
    static func partNumbers(_ lines: [String], uploadID: String) -> [Int] {
        lines.compactMap { line -> Int? in
            guard line.contains("\"PUT "), line.contains("uploadId=\(uploadID)"), line.contains("\" 200 "),
                  let range = line.range(of: "partNumber=")
            else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
    }
}
