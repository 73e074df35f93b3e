import CEspeak
import Foundation

/// espeak-ng in process: the offline voice. libespeak-ng keeps global state (one current voice,
/// one rate, one callback), so every call runs on one private serial queue; concurrent callers
/// queue up and each gets exactly its own samples.
package struct EspeakEngine: Sendable {
    /// The voice name espeak-ng knows (`en`, `en-us`, `de`, `fr`…).
    package var voice: String
    /// Words per minute, 80…450.
    package var rate: Int

    package init(voice: String = "en", rate: Int = 175) {
        self.voice = voice
        self.rate = min(450, max(80, rate))
    }

    /// Speech for `text` at espeak-ng's native rate (22,050 Hz), mono.
    /// - Throws: `ProviderError(.invalidInput)` for an unknown voice, `.transport` when
    ///   espeak-ng cannot initialise or synthesise.
    package func synthesize(_ text: String) async throws -> PCMAudio {
        let voice = voice
        let rate = rate
        return try await withCheckedThrowingContinuation { continuation in
            EspeakRuntime.queue.async {
                continuation.resume(with: Result { try EspeakRuntime.synthesize(text, voice: voice, rate: rate) })
            }
        }
    }
}

/// The process-wide espeak-ng state, touched only on `queue`.
enum EspeakRuntime {
    static let queue = DispatchQueue(label: "espeak-ng")

    /// Collects the samples of one `espeak_Synth` call; passed to the callback as user data.
    final class Collector {
        var samples: [Int16] = []
    }

    /// Sample rate from `espeak_Initialize`, or nil if it failed. Runs once, on `queue`.
    nonisolated(unsafe) private static var sampleRate: Int32?
    nonisolated(unsafe) private static var initialised = false

    /// Must run on `queue`.
    static func synthesize(_ text: String, voice: String, rate: Int) throws -> PCMAudio {
        dispatchPrecondition(condition: .onQueue(queue))
        if !initialised {
            initialised = true
            let rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nil, 0)
            sampleRate = rate > 0 ? rate : nil
            espeak_SetSynthCallback { wav, count, events in
                guard let events, let user = events.pointee.user_data else { return 0 }
                let collector = Unmanaged<Collector>.fromOpaque(user).takeUnretainedValue()
                if let wav, count > 0 { collector.samples.append(contentsOf: UnsafeBufferPointer(start: wav, count: Int(count))) }
                return 0  // 0: continue synthesis
            }
        }
        guard let sampleRate else {
            throw ProviderError(.transport, provider: "espeak", code: "init", message: "espeak-ng could not initialise (is espeak-ng-data installed?)")
        }
        guard espeak_SetVoiceByName(voice) == EE_OK else {
            throw ProviderError(.invalidInput, provider: "espeak", code: "voice", message: "espeak-ng has no voice named \(voice)")
        }
        _ = espeak_SetParameter(espeakRATE, Int32(rate), 0)
        let collector = Collector()
        let user = Unmanaged.passUnretained(collector).toOpaque()
        let status = withExtendedLifetime(collector) {
            text.withCString { pointer in
                espeak_Synth(pointer, strlen(pointer) + 1, 0, POS_CHARACTER, 0, UInt32(espeakCHARS_UTF8), nil, user)
            }
        }
        guard status == EE_OK else {
            throw ProviderError(.transport, provider: "espeak", code: "synth", message: "espeak_Synth failed (\(status.rawValue))")
        }
        _ = espeak_Synchronize()
        let samples = collector.samples.map { Float($0) / 32768 }
        return PCMAudio(samples: samples, sampleRate: Int(sampleRate), channels: 1)
    }
}
