import ArgumentParser
import Foundation
import MediaCore

struct LoudnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loudness",
        abstract: "Normalise an audio file to an integrated loudness (EBU R128) with its true peak held under a limit.",
        discussion: """
            Measures INPUT, applies a gain toward the target and, when that would push the true peak \
            over the limit, a look-ahead true-peak limiter; corrects the gain after measuring the limited \
            result, encodes OUTPUT (format from its extension) and measures it again. --plain applies \
            one gain lowered at the peak limit instead (no limiter; what the pipeline did before).
            """)

    @Argument(help: "Audio file to normalise.") var input: String
    @Argument(help: "Output file (.mp3, .m4a, .m4b, .flac, .wav, .opus).") var output: String
    @Option(name: .customLong("target"), help: "Integrated loudness, LUFS (write negatives with =, e.g. --target=-16).")
    var targetLUFS: Double = -18
    @Option(name: .customLong("max-true-peak"), help: "Highest true peak, dBTP.") var maxTruePeak: Double = -1.5
    @Option(help: "Sample rate of the output (default: the input's).") var sampleRate: Int?
    @Flag(help: "One plain gain lowered at the peak limit, no limiter.") var plain = false
    @Flag(help: "Print the report as JSON.") var json = false

    func validate() throws {
        guard AudioFileFormat(fileName: output) != nil else { throw ValidationError("\(output): unknown output format") }
        guard (-70.0 ... -5.0).contains(targetLUFS) else { throw ValidationError("--target must be between -70 and -5 LUFS") }
    }

    func run() throws {
        let info = try MediaProbe.probe(path: input)
        let channels = min(2, info.audio?.channels ?? 1)
        let audio = AudioFormat(sampleRate: sampleRate ?? info.audio?.sampleRate ?? 48_000, channels: channels)
        let options = EncoderOptions(format: AudioFileFormat(fileName: output)!, audio: audio)
        let report = try normalizeLoudness(input: input, output: output, options: options, targetLUFS: targetLUFS,
                                           maxTruePeak: maxTruePeak, limiter: !plain)
        if json { print(try jsonString(report)); return }
        let number: (Double?) -> String = { $0.map { String(format: "%.2f", $0) } ?? "silent" }
        print("\(input): \(number(report.input.integratedLUFS)) LUFS, \(number(report.input.truePeakDBTP)) dBTP")
        print("  gain \(String(format: "%+.2f", report.gainDB)) dB"
              + (report.peakLimited ? String(format: ", limiter at %.2f dBTP (up to %.2f dB reduction, %d passes)",
                                             report.plan.ceilingDBTP ?? 0, report.plan.limiterMaxReductionDB, report.plan.passes) : ", no limiter"))
        print("\(output): \(number(report.output.integratedLUFS)) LUFS, \(number(report.output.truePeakDBTP)) dBTP"
              + (plain ? "" : " (\(report.plan.encodes) encode(s), ceiling lowered at \(report.plan.dips.count) spot(s))"))
    }
}
