import Testing
@testable import MediaCore

struct ChunkerTests {
    static let formats: [AudioFormat] = [
        .init(sampleRate: 8000, channels: 1), .init(sampleRate: 16_000, channels: 1),
        .init(sampleRate: 44_100, channels: 2), .init(sampleRate: 48_000, channels: 6),
    ]

    func options(max: Double, min: Double = 0, overlap: Double = 0, split: SplitMode = .silence) -> ChunkingOptions {
        var o = ChunkingOptions()
        o.maxSeconds = max
        o.minSeconds = min
        o.overlapSeconds = overlap
        o.splitAt = split
        return o
    }

    @Test("cuts fall inside silences, every frame lands in exactly one chunk", arguments: formats)
    func cutsAtSilences(format: AudioFormat) throws {
        let signal = Signals.speechLike(toneSeconds: [3, 4, 2.5, 5, 3, 2], silenceSeconds: [0.5, 0.6, 0.4, 0.8, 0.5],
                                        rate: format.sampleRate, channels: format.channels)
        let (sink, _) = try chunk(signal.samples, format: format, options: options(max: 8))
        let b = sink.boundaries
        #expect(b.count >= 3)
        // Every cut but the last is at a silence, inside one of the known silent spans.
        for boundary in b.dropLast() {
            #expect(boundary.cut == .silence)
            #expect(signal.silences.contains { $0.contains(boundary.endFrame) }, "cut at \(boundary.endFrame) not in a silence")
        }
        #expect(b.last?.cut == .end)
        // Never longer than max; contiguous; together exactly the input.
        let maxFrames = Int64(8 * format.sampleRate)
        for boundary in b { #expect(boundary.frames <= maxFrames) }
        for (a, next) in zip(b, b.dropFirst()) { #expect(a.endFrame == next.startFrame) }
        #expect(b.first?.startFrame == 0)
        #expect(b.last?.endFrame == Int64(signal.samples.count / format.channels))
        #expect(Array(sink.chunks.joined()) == signal.samples)
    }

    @Test("the cut takes the last silence before the maximum, at its quietest window")
    func takesLatestSilenceAndQuietestPoint() throws {
        let format = AudioFormat(sampleRate: 16_000, channels: 1)
        // tone 2 s, silence 0.5 s, tone 3 s, [quiet -50 dB 0.2 s, digital silence 0.2 s, quiet 0.2 s], tone 4 s
        var samples = Signals.tone(seconds: 2, rate: 16_000, channels: 1)
        samples += Signals.silence(seconds: 0.5, rate: 16_000, channels: 1)
        samples += Signals.tone(seconds: 3, rate: 16_000, channels: 1)
        let quietStart = samples.count
        samples += Signals.noise(seconds: 0.2, rate: 16_000, channels: 1, amplitude: 0.005)
        let digitalStart = samples.count
        samples += Signals.silence(seconds: 0.2, rate: 16_000, channels: 1)
        let digitalEnd = samples.count
        samples += Signals.noise(seconds: 0.2, rate: 16_000, channels: 1, amplitude: 0.005)
        samples += Signals.tone(seconds: 4, rate: 16_000, channels: 1)
        _ = quietStart
        let (sink, _) = try chunk(samples, format: format, options: options(max: 7))
        let first = try #require(sink.boundaries.first)
        #expect(first.cut == .silence)
        #expect((Int64(digitalStart)..<Int64(digitalEnd)).contains(first.endFrame))
    }

    @Test("noise with no silence is cut hard at exactly the maximum", arguments: formats)
    func noSilenceCutsAtMax(format: AudioFormat) throws {
        let samples = Signals.noise(seconds: 25, rate: format.sampleRate, channels: format.channels)
        let (sink, chunker) = try chunk(samples, format: format, options: options(max: 10))
        let maxFrames = Int64(10 * format.sampleRate)
        #expect(sink.boundaries.map(\.cut) == [.max, .max, .end])
        #expect(sink.boundaries.map(\.startFrame) == [0, maxFrames, 2 * maxFrames])
        #expect(Array(sink.chunks.joined()) == samples)
        // Nothing waits for a silence that never comes: only the window being measured is held.
        #expect(chunker.peakHeldFrames <= 4096 + format.sampleRate / 100)
    }

    @Test("an input whose length is an exact multiple of the maximum ends with an \"end\" cut", arguments: [.silence, .fixed] as [SplitMode])
    func exactMultipleEndsWithEnd(split: SplitMode) throws {
        let format = AudioFormat(sampleRate: 16_000, channels: 1)
        let samples = Signals.noise(seconds: 30, rate: 16_000, channels: 1)
        for block in [4096, 160_000] {
            let (sink, _) = try chunk(samples, format: format, options: options(max: 10, split: split), block: block)
            #expect(sink.boundaries.map(\.cut) == [.max, .max, .end], "block \(block)")
            #expect(sink.boundaries.map(\.frames) == [160_000, 160_000, 160_000])
            #expect(Array(sink.chunks.joined()) == samples)
        }
    }

    @Test("no chunk but the last is shorter than the minimum")
    func minimumLength() throws {
        let format = AudioFormat(sampleRate: 16_000, channels: 1)
        // Silences every second; min 4 s forbids the early ones.
        let signal = Signals.speechLike(toneSeconds: Array(repeating: 0.7, count: 20), silenceSeconds: Array(repeating: 0.35, count: 19),
                                        rate: 16_000, channels: 1)
        let (sink, _) = try chunk(signal.samples, format: format, options: options(max: 6, min: 4))
        for boundary in sink.boundaries.dropLast() {
            #expect(boundary.frames >= 4 * 16_000)
            #expect(boundary.frames <= 6 * 16_000)
            #expect(boundary.cut == .silence)
        }
        #expect(Array(sink.chunks.joined()) == signal.samples)
    }

    @Test("leading silence is not cut off as a chunk of its own; trailing silence stays in the last chunk")
    func leadingAndTrailingSilence() throws {
        let format = AudioFormat(sampleRate: 16_000, channels: 1)
        var samples = Signals.silence(seconds: 3, rate: 16_000, channels: 1)
        samples += Signals.noise(seconds: 6, rate: 16_000, channels: 1)
        samples += Signals.silence(seconds: 2, rate: 16_000, channels: 1)
        let (sink, _) = try chunk(samples, format: format, options: options(max: 8))
        // The only silence before 8 s is the leading one: the first chunk is cut hard at 8 s, not at 1.5 s.
        #expect(sink.boundaries.first?.endFrame == Int64(8 * 16_000))
        #expect(sink.boundaries.first?.cut == .max)
        #expect(sink.boundaries.last?.endFrame == Int64(samples.count))
        #expect(sink.boundaries.last?.cut == .end)
    }

    @Test("overlap: each chunk repeats the end of the previous one and stays within the maximum", arguments: [0.5, 1.0, 2.0])
    func overlap(seconds: Double) throws {
        let format = AudioFormat(sampleRate: 16_000, channels: 2)
        let signal = Signals.speechLike(toneSeconds: [3, 4, 2.5, 5, 3, 2, 4], silenceSeconds: [0.5, 0.6, 0.4, 0.8, 0.5, 0.5],
                                        rate: 16_000, channels: 2)
        let (sink, _) = try chunk(signal.samples, format: format, options: options(max: 8, overlap: seconds))
        let overlapFrames = Int64(seconds * 16_000)
        let b = sink.boundaries
        #expect(b.count >= 3)
        for (index, boundary) in b.enumerated() {
            #expect(boundary.frames <= 8 * 16_000)
            let expected = signal.samples[Int(boundary.startFrame) * 2..<Int(boundary.endFrame) * 2]
            #expect(sink.chunks[index] == Array(expected))
            if index > 0 { #expect(boundary.startFrame == b[index - 1].endFrame - overlapFrames) }
        }
        #expect(b.last?.endFrame == Int64(signal.samples.count / 2))
    }

    @Test("fixed split cuts every maximum length exactly")
    func fixedSplit() throws {
        let format = AudioFormat(sampleRate: 22_050, channels: 1)
        let signal = Signals.speechLike(toneSeconds: [2, 2, 2, 2, 2], silenceSeconds: [1, 1, 1, 1], rate: 22_050, channels: 1)
        let (sink, _) = try chunk(signal.samples, format: format, options: options(max: 3, split: .fixed))
        #expect(sink.boundaries.dropLast().allSatisfy { $0.frames == 3 * 22_050 && $0.cut == .max })
        #expect(Array(sink.chunks.joined()) == signal.samples)
    }

    @Test("the result does not depend on how the stream is split into blocks", arguments: [1, 37, 1000, 160_000])
    func blockSizeIndependence(block: Int) throws {
        let format = AudioFormat(sampleRate: 16_000, channels: 1)
        let signal = Signals.speechLike(toneSeconds: [3, 4, 2.5, 5], silenceSeconds: [0.5, 0.6, 0.4], rate: 16_000, channels: 1)
        let reference = try chunk(signal.samples, format: format, options: options(max: 6), block: 4096).sink.boundaries
        let other = try chunk(signal.samples, format: format, options: options(max: 6), block: block).sink.boundaries
        #expect(other == reference)
    }

    @Test("memory stays flat: an hour of speech-like audio holds only seconds at a time")
    func flatMemory() throws {
        let format = AudioFormat(sampleRate: 8000, channels: 1)
        final class CountingSink: ChunkSink {
            var frames: Int64 = 0
            func beginChunk(index: Int, startFrame: Int64) {}
            func write(_ samples: UnsafeBufferPointer<Float>) { frames += Int64(samples.count) }
            func endChunk(_ boundary: ChunkBoundary) {}
        }
        let sink = CountingSink()
        let chunker = try Chunker(options: options(max: 600), format: format, sink: sink)
        let piece = Signals.speechLike(toneSeconds: [8], silenceSeconds: [0.7], rate: 8000, channels: 1).samples
            + Signals.tone(seconds: 0.3, rate: 8000, channels: 1)
        for _ in 0..<(3600 / 9) { try piece.withUnsafeBufferPointer { try chunker.append($0) } }
        let boundaries = try chunker.finish()
        #expect(sink.frames == 3600 * 8000)
        #expect(boundaries.count == 7)
        #expect(chunker.peakHeldFrames < 20 * 8000)
    }

    @Test("options that cannot work are refused with the option's name")
    func invalidOptions() {
        #expect(throws: MediaError.self) { try options(max: 10, min: 11).validate() }
        #expect(throws: MediaError.self) { try options(max: 10, overlap: 5).validate() }
        do {
            try options(max: 0).validate()
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("--max-seconds"))
        }
    }
}
