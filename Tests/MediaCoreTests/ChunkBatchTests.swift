import Foundation
import TestSupport
import Logging
import Testing
@testable import MediaCore

/// The `runner` binary built beside the test bundle (scripts/test.sh builds it first).
let runnerBinary: String = {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("runner").path
}()

@discardableResult
func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
    let result = try await Command.run([executable] + arguments)
    return (result.status, result.output, result.errors)
}

struct ChunkBatchTests {
    func options(max: Double = 4) -> ChunkJobOptions {
        var chunking = ChunkingOptions()
        chunking.maxSeconds = max
        return ChunkJobOptions(chunking: chunking)
    }

    @Test("a folder of good and bad files: the good are chunked with manifests, the bad listed in errors.json")
    func mixedFolder() async throws {
        let dir = try TemporaryDirectory()
        let input = dir.file("in")
        try FileManager.default.createDirectory(atPath: input + "/sub", withIntermediateDirectories: true)
        for name in ["bare.mp3", "16bit.flac", "cover.m4a"] {
            try FileManager.default.copyItem(atPath: fixtures + "/formats/" + name, toPath: input + "/sub/" + name)
        }
        for name in ["text.mp3", "empty.mp3"] {
            try FileManager.default.copyItem(atPath: fixtures + "/bad/" + name, toPath: input + "/" + name)
        }
        try "notes".write(toFile: input + "/notes.txt", atomically: true, encoding: .utf8)
        let out = dir.file("out")
        let discovered = InputDiscovery.discover([input], excluding: out)
        #expect(discovered.skipped.map { ($0.path as NSString).lastPathComponent } == ["notes.txt"])
        let outcomes = try await ChunkBatch.run(inputs: discovered, outputDirectory: out, options: options(max: 2), jobs: 2,
                                                logger: Logger(label: "test"))
        let byName = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.name, $0) })
        #expect(byName["sub/bare.mp3"]?.status == .chunked)
        #expect(byName["text.mp3"]?.status == .failed)
        #expect(byName["empty.mp3"]?.reason?.contains("empty") == true)

        let manifest = try JSONDecoder().decode(ChunkManifest.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/sub/16bit.flac/manifest.json")))
        #expect(manifest.source.codec == "flac")
        #expect(manifest.source.sampleRate == 48_000)
        #expect(manifest.source.channels == 2)
        #expect(manifest.output.sampleRate == 16_000)
        #expect(manifest.chunks.count == 2)
        #expect(manifest.chunks.first?.cut == .silence)   // at the 0.5 s gap after the first tone
        #expect(manifest.chunks.last?.endSample == 40_000)
        for chunk in manifest.chunks {
            let path = out + "/sub/16bit.flac/" + chunk.path
            let digest = try sha256Hex(ofFile: path)
            #expect(digest.hex == chunk.sha256)
            #expect(digest.bytes == chunk.bytes)
            // Independent reader: the ffmpeg command decodes exactly the frames the manifest states.
            #expect(try await ffmpegDecodedFrames(path, rate: 16_000, channels: 1) == Int(chunk.endSample - chunk.startSample))
        }
        let errors = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/errors.json"))) as? [[String: String]]
        #expect(Set(errors?.compactMap { $0["input"].map { ($0 as NSString).lastPathComponent } } ?? []) == ["text.mp3", "empty.mp3"])
    }

    @Test("running again with the same options skips finished inputs; other options redo them")
    func rerunSkips() async throws {
        let dir = try TemporaryDirectory()
        let out = dir.file("out")
        let inputs = InputDiscovery.discover([fixtures + "/formats/bare.mp3"])
        let first = try await ChunkBatch.run(inputs: inputs, outputDirectory: out, options: options(), jobs: 1, logger: Logger(label: "t"))
        #expect(first.map(\.status) == [.chunked])
        let second = try await ChunkBatch.run(inputs: inputs, outputDirectory: out, options: options(), jobs: 1, logger: Logger(label: "t"))
        #expect(second.map(\.status) == [.skipped])
        #expect(second.first?.manifest == first.first?.manifest)
        let third = try await ChunkBatch.run(inputs: inputs, outputDirectory: out, options: options(max: 1), jobs: 1, logger: Logger(label: "t"))
        #expect(third.map(\.status) == [.chunked])
        #expect((third.first?.manifest?.chunks.count ?? 0) > (first.first?.manifest?.chunks.count ?? 0))
        // A lost chunk file means the input is redone.
        try FileManager.default.removeItem(atPath: out + "/bare.mp3/chunk-0000.flac")
        let fourth = try await ChunkBatch.run(inputs: inputs, outputDirectory: out, options: options(max: 1), jobs: 1, logger: Logger(label: "t"))
        #expect(fourth.map(\.status) == [.chunked])
        #expect(FileManager.default.fileExists(atPath: out + "/bare.mp3/chunk-0000.flac"))
    }

    @Test("runner chunk: exit status, stderr and errors.json for a mix of inputs; every output format", arguments: ["flac", "wav", "mp3", "opus", "m4a"])
    func command(format: String) async throws {
        let dir = try TemporaryDirectory()
        let out = dir.file("out dir")
        let result = try await run(runnerBinary, ["chunk", fixtures + "/audio", fixtures + "/bad/text.mp3", "--out", out,
                                            "--max-seconds", "6", "--format", format, "--jobs", "2"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("failed: \(fixtures)/bad/text.mp3"))
        #expect(result.stderr.contains("skipped: \(fixtures)/audio/interviews/notes.txt"))
        for name in ["welcome.mp3", "the-mill.m4a", "interviews/take one – été.flac"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(name)/manifest.json"))
            let manifest = try JSONDecoder().decode(ChunkManifest.self, from: data)
            #expect(manifest.chunks.count >= 2)
            #expect(manifest.chunks.allSatisfy { $0.durationSeconds <= 6 })
            // Real speech: most cuts land in pauses; a sentence longer than the maximum is cut hard.
            #expect(manifest.chunks.dropLast().allSatisfy { $0.cut != .end })
            #expect(manifest.chunks.filter { $0.cut == .silence }.count >= manifest.chunks.count / 2)
            #expect(manifest.chunks.last?.cut == .end)
            #expect(zip(manifest.chunks, manifest.chunks.dropFirst()).allSatisfy { $0.endSample == $1.startSample })
            for chunk in manifest.chunks {
                #expect(chunk.path.hasSuffix("." + format))
                let frames = try await ffmpegDecodedFrames("\(out)/\(name)/\(chunk.path)", rate: 16_000, channels: 1)
                let expected = Int(chunk.endSample - chunk.startSample)
                #expect(abs(frames - expected) <= (format == "flac" || format == "wav" ? 0 : 2048))
            }
        }
        #expect(FileManager.default.fileExists(atPath: out + "/errors.json"))
    }

    @Test("runner probe --json describes files and names the ones it cannot read")
    func probeCommand() async throws {
        let result = try await run(runnerBinary, ["probe", "--json", fixtures + "/formats/cover.m4a", fixtures + "/bad/empty.mp3"])
        #expect(result.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(json.count == 2)
        #expect(json[0]["container"] as? String == "mov,mp4,m4a,3gp,3g2,mj2")
        #expect((json[0]["streams"] as? [[String: Any]])?.count == 2)
        #expect((json[1]["error"] as? String)?.contains("empty.mp3") == true)
    }
}
