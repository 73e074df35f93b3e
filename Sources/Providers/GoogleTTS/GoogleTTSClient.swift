import Foundation
import Logging

/// Client of Google Cloud Text-to-Speech v1 `text:synthesize`. Text over 5,000 UTF-8 bytes is
/// split at sentence boundaries and synthesised chunk by chunk.
package struct GoogleTTSClient: Sendable {
    package enum Encoding: String, Sendable {
        /// A WAV file (16-bit PCM with header).
        case linear16 = "LINEAR16"
        case mp3 = "MP3"
    }

    package struct Configuration: Sendable {
        package var apiKey: String
        /// Scheme, host and port; the client appends `/v1/text:synthesize`.
        package var baseURL = "https://texttospeech.googleapis.com"
        package var languageCode = "en-US"
        package var voiceName: String?
        package var sampleRate = 24_000
        package var limits = ProviderLimiter.Limits(maxConcurrent: 4)
        package var retry = RetryPolicy()
        package var timeout: Duration = .seconds(60)

        package init(apiKey: String, baseURL: String = "https://texttospeech.googleapis.com") {
            self.apiKey = apiKey
            self.baseURL = baseURL
        }

        /// From `GOOGLE_API_KEY` and `GOOGLE_TTS_BASE_URL`.
        /// - Throws: `ProviderError` naming `GOOGLE_API_KEY` when it is unset.
        package init(environment: ProviderEnvironment) throws {
            self.init(
                apiKey: try environment.require("GOOGLE_API_KEY", provider: "google-tts"),
                baseURL: environment.baseURL("GOOGLE_TTS_BASE_URL", default: "https://texttospeech.googleapis.com"))
        }
    }

    /// The service's input limit, in UTF-8 bytes of `input.text`.
    package static let maxInputBytes = 5000

    package let configuration: Configuration
    let http: ProviderHTTP

    package init(configuration: Configuration, logger: Logger, client: HTTPClient = .shared) {
        self.configuration = configuration
        http = ProviderHTTP(
            provider: "google-tts", client: client, limiter: ProviderLimiter(configuration.limits), retry: configuration.retry,
            logger: logger, secrets: [configuration.apiKey], parseError: ErrorBodies.google)
    }

    /// The encoded audio of each chunk of `text`, in order (MP3 chunks can be concatenated;
    /// LINEAR16 chunks are separate WAV files).
    /// - Throws: `ProviderError`.
    package func synthesize(_ text: String, voice: String? = nil, encoding: Encoding) async throws -> [Data] {
        var results: [Data] = []
        for chunk in TextSplitter.split(text, limit: Self.maxInputBytes, measure: .utf8Bytes) {
            results.append(try await synthesizeChunk(chunk, voice: voice ?? configuration.voiceName, encoding: encoding))
        }
        return results
    }

    /// Speech as samples, chunks joined. A LINEAR16 answer is a mono 16-bit PCM WAV file, read
    /// directly from memory; anything else goes through MediaCore's decoder.
    package func synthesizeAudio(_ text: String, voice: String? = nil) async throws -> PCMAudio {
        var audio: PCMAudio?
        for wav in try await synthesize(text, voice: voice, encoding: .linear16) {
            let part: PCMAudio
            if let pcm = WAVCodec.decode(wav), pcm.channels == 1 {
                part = pcm
            } else {
                part = try await MediaAudio.decode(wav, fileExtension: "wav", provider: "google-tts")
            }
            if audio == nil { audio = part } else { try audio!.append(part, provider: "google-tts") }
        }
        guard let audio else { throw ProviderError(.invalidInput, provider: "google-tts", message: "no text to synthesise") }
        return audio
    }

    private func synthesizeChunk(_ text: String, voice: String?, encoding: Encoding) async throws -> Data {
        var voiceJSON: [String: JSONValue] = ["languageCode": .string(configuration.languageCode)]
        if let voice { voiceJSON["name"] = .string(voice) }
        let body: JSONValue = [
            "input": ["text": .string(text)], "voice": .object(voiceJSON),
            "audioConfig": ["audioEncoding": .string(encoding.rawValue), "sampleRateHertz": .number(Double(configuration.sampleRate))],
        ]
        let request = HTTPRequest(
            method: "POST", url: configuration.baseURL + "/v1/text:synthesize",
            headers: ["X-Goog-Api-Key": configuration.apiKey, "Content-Type": "application/json"],
            body: .bytes(body.encoded()), timeout: configuration.timeout, isIdempotent: true)
        let response = try await http.send(request, operation: "synthesize")
        guard let base64 = JSONValue.decode(response.body)?["audioContent"]?.stringValue,
            let audio = Data(base64Encoded: base64), !audio.isEmpty
        else { throw ProviderError(.invalidResponse, provider: "google-tts", status: response.status, message: "no audioContent in the answer") }
        return audio
    }
}
