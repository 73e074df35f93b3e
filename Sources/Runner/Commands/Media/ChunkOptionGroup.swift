import ArgumentParser
import MediaCore

extension SplitMode: ExpressibleByArgument {}
extension AudioFileFormat: ExpressibleByArgument {}

/// The chunking options, shared by `runner chunk` and `runner bench chunking`.
struct ChunkOptionGroup: ParsableArguments {
    @Option(help: "Longest chunk, in seconds.") var maxSeconds: Double = 600
    @Option(help: "Shortest chunk (but the last), in seconds.") var minSeconds: Double = 0
    @Option(help: "Cut at the quietest point of a silence (silence) or every --max-seconds (fixed).") var splitAt: SplitMode = .silence
    @Option(help: "RMS level below which a 10 ms window is silent, in dBFS.") var silenceThresholdDb: Double = -40
    @Option(help: "Shortest silence that may hold a cut, in seconds.") var minSilenceSeconds: Double = 0.3
    @Option(help: "Seconds each chunk repeats from the end of the previous one.") var overlapSeconds: Double = 0
    @Option(help: "Chunk file format: flac, wav, mp3, opus or m4a.") var format: AudioFileFormat = .flac
    @Option(help: "Output sample rate in Hz.") var sampleRate: Int = 16_000
    @Option(help: "Output channels (multichannel input is down-mixed).") var channels: Int = 1
    @Option(help: "Bit rate for lossy formats, in bits per second (default: per format).") var bitRate: Int?

    var jobOptions: ChunkJobOptions {
        var chunking = ChunkingOptions()
        chunking.maxSeconds = maxSeconds
        chunking.minSeconds = minSeconds
        chunking.splitAt = splitAt
        chunking.silenceThresholdDB = silenceThresholdDb
        chunking.minSilenceSeconds = minSilenceSeconds
        chunking.overlapSeconds = overlapSeconds
        return ChunkJobOptions(chunking: chunking, format: format,
                               audio: AudioFormat(sampleRate: sampleRate, channels: channels), bitRate: bitRate)
    }

    func validate() throws {
        do { try jobOptions.validate() } catch let error as MediaError {
            throw ValidationError(error.reason)
        }
        if format == .m4b { throw ValidationError("use m4a for chunks") }
    }
}
