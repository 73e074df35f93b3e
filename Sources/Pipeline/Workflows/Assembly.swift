import Foundation
import MediaCore
import Providers

/// Joins the segment clips in order with their pauses, into `audio.mp3` and `audio.m4b` (with
/// a chapter marker per chapter and title tags), loudness-normalised (EBU R128) to `targetLUFS`
/// with the true peak at or under −1.5 dBTP (`LoudnessNormalizer`: a gain, and a true-peak
/// limiter when the gain alone would push the peaks over). With pictures, the first one is the
/// cover art (an attached picture) of both files.
struct Assembly {
    let services: WorkflowServices
    var targetLUFS = NarrateInput.defaultLoudnessTarget

    /// - Parameter cover: the store key of the PNG to embed as cover art, or nil.
    func run(plan: SegmentPlan, clips: [SynthesizedSegment], name: String, cover: String? = nil, context: StepContext) async throws -> AssembledAudio {
        let folder = try services.scratchFolder(context.jobID, context.step)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var coverArt: Data?
        if let cover {
            try await services.storage.get(key: cover, to: folder + "/cover.png")
            coverArt = try Data(contentsOf: URL(fileURLWithPath: folder + "/cover.png"))
        }
        let art = coverArt
        var items: [ConcatenationItem] = []
        for (i, clip) in clips.enumerated() {
            let path = folder + "/\(i).flac"
            try await services.storage.get(key: clip.cacheKey, to: path)
            items.append(ConcatenationItem(path: path, pauseAfter: plan.segments.indices.contains(i) ? plan.segments[i].pauseAfter : 0.3))
        }
        let first = items[0].path
        let clipRate = try await runOnDedicatedThread(name: "assemble") { try MediaProbe.probe(path: first).audio?.sampleRate ?? 22_050 }
        // A rate both mp3 and AAC take.
        let rate = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000].contains(clipRate) ? clipRate : 24_000
        let audio = AudioFormat(sampleRate: rate, channels: 1)
        let title = plan.title ?? ((name as NSString).deletingPathExtension)
        let author = plan.author ?? "narrate"
        let metadata = ["title": title, "album": title, "artist": author, "album_artist": author, "genre": "Speech"]
        let joined = folder + "/joined.wav"
        let mp3 = folder + "/audio.mp3"
        let m4b = folder + "/audio.m4b"
        let itemsCopy = items
        // Where each clip lands follows from the clip lengths and pauses, so the chapters are
        // known up front and the mp3 and the m4b are encoded at the same time.
        var spans: [[Double]] = []
        var position = 0.0
        for (i, clip) in clips.enumerated() {
            spans.append([position, position + clip.duration])
            position += clip.duration + (i < items.count - 1 ? items[i].pauseAfter : 0)
        }
        let total = spans.last?[1] ?? 0
        var chapters: [Chapter] = []
        var lastChapter = -1
        for (i, segment) in plan.segments.enumerated() where i < spans.count && segment.chapter != lastChapter {
            lastChapter = segment.chapter
            let title = plan.chapterTitles.indices.contains(segment.chapter) ? plan.chapterTitles[segment.chapter] : nil
            let start = chapters.isEmpty ? 0 : spans[i][0]
            if !chapters.isEmpty { chapters[chapters.count - 1].end = start }
            chapters.append(Chapter(title: title ?? "Chapter \(chapters.count + 1)", start: start, end: total))
        }
        let chapterList = chapters
        // Join losslessly once and measure it; plan the gain (and the limiter) on that wav.
        let (encoded, before) = try await runOnDedicatedThread(name: "assemble") {
            let spans = try AudioConcatenation.concatenate(itemsCopy, to: joined, options: EncoderOptions(format: .wav, audio: audio))
            return (spans, try LoudnessMeasurement.measure(path: joined, format: audio))
        }
        let target = targetLUFS
        // Each file gets its own plan (the ceiling leaves its codec's overshoot room), is measured
        // once written (what a listener gets, codec included) and, if coding moved it off the
        // target or over the peak, encoded again corrected (at most 3 encodes). The two run at once.
        let maxPeak = NarrateInput.maxTruePeak
        @Sendable func normalize(to output: String, _ options: EncoderOptions) throws -> (LoudnessPlan, LoudnessMeasurement) {
            let plan = try LoudnessNormalizer.plan(input: joined, format: audio, measured: before, targetLUFS: target, maxTruePeak: maxPeak,
                                                   codingMarginDB: LoudnessNormalizer.codingMarginDB(for: options.format))
            return try LoudnessNormalizer.encode(plan, input: joined, output: output, options: options, targetLUFS: target, maxTruePeak: maxPeak)
        }
        async let mp3Done = runOnDedicatedThread(name: "assemble-mp3") {
            try normalize(to: mp3, EncoderOptions(format: .mp3, audio: audio, metadata: metadata, coverArt: art))
        }
        async let m4bDone = runOnDedicatedThread(name: "assemble-m4b") {
            try normalize(to: m4b, EncoderOptions(format: .m4b, audio: audio, metadata: metadata, chapters: chapterList, coverArt: art))
        }
        let (used, after) = try await mp3Done
        _ = try await m4bDone
        let loudness = AssembledLoudness(targetLUFS: target, integratedLUFS: after.integratedLUFS, truePeakDBTP: after.truePeakDBTP,
                                         gainDB: used.gainDB, peakLimited: used.ceilingDBTP != nil,
                                         limiterMaxReductionDB: used.limiterMaxReductionDB)
        let measured = encoded.map { [$0.startSeconds, $0.endSeconds] }
        let duration = measured.last?[1] ?? total
        let meta = try JSON(encoding: [
            "duration": JSONValue.number(duration), "sample_rate": .number(Double(rate)), "channels": 1,
            "chapters": .number(Double(chapters.count)), "cover_art": .bool(art != nil),
        ] as [String: JSONValue])
        let assets = [
            try await services.publish(mp3, job: context.jobID, relative: "audio.mp3", kind: "audio", context: context, meta: meta),
            try await services.publish(m4b, job: context.jobID, relative: "audio.m4b", kind: "audiobook", context: context, meta: meta),
        ]
        return AssembledAudio(duration: duration, spans: measured,
                              chapters: chapters.map { ChapterMark(title: $0.title, start: $0.start, end: $0.end) },
                              assets: assets, loudness: loudness)
    }
}
