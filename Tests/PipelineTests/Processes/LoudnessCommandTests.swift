import Foundation
import Testing
import TestSupport

/// `runner loudness` as a user runs it: a real recording to the target, read back by ffmpeg's own
/// EBU R128 meter; refused arguments name what is wrong.
struct LoudnessCommandTests {
    static let welcome = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/audio/welcome.mp3").path

    func run(_ arguments: [String]) async throws -> (status: Int32?, output: String) {
        let process = try RunnerProcess(arguments, databaseURL: "sqlite::memory:")
        let status = try await process.wait(timeout: .seconds(120))
        return (status, process.log)
    }

    @Test(arguments: [("m4b", -18.0), ("mp3", -23.0)])
    func aRecordingReachesTheTargetUnderThePeakLimit(format: String, target: Double) async throws {
        let dir = NSTemporaryDirectory() + "loudness-command-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let output = dir + "/welcome." + format
        let result = try await run(["loudness", Self.welcome, output, "--target=\(target)", "--json"])
        #expect(result.status == 0, "\(result.output)")
        let start = try #require(result.output.firstIndex(of: "{"))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.output[start...].utf8)) as? [String: Any])
        let written = try #require(report["output"] as? [String: Any])
        let claimed = try #require(written["integratedLUFS"] as? Double ?? written["integrated_lufs"] as? Double)
        let ffmpeg = try await FFmpegLoudness.measure(output)
        #expect(abs(ffmpeg.integrated - target) <= 0.5, "ffmpeg reads \(ffmpeg.integrated) LUFS")
        #expect(ffmpeg.truePeak <= -1.5, "ffmpeg reads \(ffmpeg.truePeak) dBTP")
        #expect(abs(claimed - ffmpeg.integrated) < 0.3, "the report says \(claimed), ffmpeg \(ffmpeg.integrated)")
    }

    @Test func refusedArgumentsNameTheProblem() async throws {
        let unknown = try await run(["loudness", Self.welcome, "/tmp/out.xyz"])
        #expect(unknown.status != 0 && unknown.output.contains("/tmp/out.xyz: unknown output format"))
        let missing = try await run(["loudness", "/tmp/no-such-recording.wav", "/tmp/out.mp3"])
        #expect(missing.status != 0 && missing.output.contains("no-such-recording.wav"))
    }
}
