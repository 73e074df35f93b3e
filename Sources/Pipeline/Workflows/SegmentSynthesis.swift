import Basics
import Foundation
import MediaCore
import Providers

/// Synthesises one segment, unless the speech cache already holds it: the cache key is the
/// SHA-256 of (text, engine, voice, options), stored as lossless FLAC under
/// `cache/speech/<hash>.flac`, so a rerun, a retry or another job with the same sentence never
/// pays for the same audio twice. Every fresh clip is checked (not silent, duration plausible
/// for its text); a failed check is retried once, then reported.
struct SegmentSynthesis {
    let services: WorkflowServices
    let options: NarrateInput

    static let minimumRMS: Float = 0.001

    func cacheKey(_ text: String) -> String {
        let rate = options.engineKind == .espeak ? services.environment.optional("ESPEAK_RATE") ?? "175" : ""
        let material = ["speech-cache-v1", options.engineKind.rawValue, options.voice ?? "", rate, text].joined(separator: "\u{1F}")
        let digest = sha256Hex(Data(material.utf8))
        return "cache/speech/\(digest).flac"
    }

    func run(_ segment: TextSegment, context: StepContext) async throws -> SynthesizedSegment {
        let folder = try services.scratchFolder(context.jobID, context.step)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let key = cacheKey(segment.text)
        let flac = folder + "/clip.flac"
        var cached = false
        var attempts = 0
        let audio: PCMAudio
        if try await services.storage.head(key: key) != nil {
            try await services.storage.get(key: key, to: flac)
            audio = try await MediaAudio.decodeFile(flac)
            cached = true
        } else {
            let engine = try services.speechEngine(options.engineKind)
            var result: PCMAudio?
            var problem = ""
            while result == nil, attempts < 2 {
                attempts += 1
                let clip = try await engine.synthesize(segment.text, voice: options.voice)
                if let issue = Self.check(clip, text: segment.text) { problem = issue } else { result = clip }
            }
            guard let result else {
                throw StepFailure(code: "bad_clip", message: "segment \(segment.index): \(problem) after \(attempts) attempts")
            }
            audio = result
            try await MediaAudio.write(audio, to: flac, format: .flac)
            _ = try await services.storage.put(file: flac, key: key)
        }
        let mp3 = folder + "/audio.mp3"
        try await MediaAudio.write(audio, to: mp3, format: .mp3)
        let asset = try await services.publish(mp3, job: context.jobID, relative: "segments/\(segment.index)/audio.mp3",
                                               kind: "segment_audio", context: context,
                                               meta: try JSON(encoding: meta(segment, audio)))
        return SynthesizedSegment(index: segment.index, cacheKey: key, duration: audio.duration, cached: cached, attempts: attempts, asset: asset)
    }

    /// The audio asset's record: what it is and how it was made.
    func meta(_ segment: TextSegment, _ audio: PCMAudio) -> JSONValue {
        let identity = services.providers.speechIdentity(options.engineKind, voice: options.voice)
        return ["segment": .number(Double(segment.index)), "duration": .number(audio.duration), "engine": .string(options.engineKind.rawValue),
                "model": .string(identity.model), "voice": .string(identity.voice), "sample_rate": .number(Double(audio.sampleRate)),
                "channels": .number(Double(audio.channels))]
    }

    /// nil when the clip is usable; else what is wrong with it.
    static func check(_ clip: PCMAudio, text: String) -> String? {
        if clip.samples.isEmpty { return "no audio" }
        if clip.rms < minimumRMS { return "silent clip (rms \(clip.rms))" }
        let characters = Double(text.count)
        // Speech runs at roughly 8–25 characters a second; allow a wide margin either way.
        let shortest = min(0.2, characters * 0.01)
        let longest = 5 + characters * 0.4
        if clip.duration < shortest { return "clip too short (\(clip.duration) s for \(text.count) characters)" }
        if clip.duration > longest { return "clip too long (\(clip.duration) s for \(text.count) characters)" }
        return nil
    }
}
