import Foundation

/// Options of a Rev.ai job submission; nil fields are left out, as the official SDKs do.
package struct RevJobOptions: Encodable, Sendable {
    package var language: String?
    package var metadata: String?
    package var skipDiarization: Bool?
    package var skipPunctuation: Bool?
    package var removeDisfluencies: Bool?
    package var speakersCount: Int?
    package var deleteAfterSeconds: Int?
    package var transcriber: String?

    package init(language: String? = nil, metadata: String? = nil) {
        self.language = language
        self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey {
        case language, metadata, transcriber
        case skipDiarization = "skip_diarization", skipPunctuation = "skip_punctuation"
        case removeDisfluencies = "remove_disfluencies", speakersCount = "speakers_count"
        case deleteAfterSeconds = "delete_after_seconds"
    }
}

/// A Rev.ai job as `GET /jobs/{id}` returns it.
package struct RevJob: Decodable, Sendable, Equatable {
    package enum Status: String, Decodable, Sendable {
        case inProgress = "in_progress", transcribed, failed, completed
    }

    package var id: String
    package var status: Status
    package var createdOn: String?
    package var completedOn: String?
    package var name: String?
    package var metadata: String?
    package var durationSeconds: Double?
    package var failure: String?
    package var failureDetail: String?
    package var language: String?

    enum CodingKeys: String, CodingKey {
        case id, status, name, metadata, failure, language
        case createdOn = "created_on", completedOn = "completed_on", durationSeconds = "duration_seconds"
        case failureDetail = "failure_detail"
    }
}

/// A Rev.ai transcript (`application/vnd.rev.transcript.v1.0+json`).
package struct RevTranscript: Decodable, Sendable {
    package struct Monologue: Decodable, Sendable {
        package var speaker: Int
        package var elements: [Element]
    }

    package struct Element: Decodable, Sendable {
        /// `text`, `punct` or `unknown`.
        package var type: String
        package var value: String
        package var ts: Double?
        package var endTs: Double?
        package var confidence: Double?

        enum CodingKeys: String, CodingKey { case type, value, ts, endTs = "end_ts", tsEnd = "ts_end", confidence }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decode(String.self, forKey: .type)
            value = try container.decode(String.self, forKey: .value)
            ts = try container.decodeIfPresent(Double.self, forKey: .ts)
            // The spec schema says ts_end; the examples and SDKs say end_ts.
            endTs = try container.decodeIfPresent(Double.self, forKey: .endTs) ?? container.decodeIfPresent(Double.self, forKey: .tsEnd)
            confidence = try container.decodeIfPresent(Double.self, forKey: .confidence)
        }
    }

    package var monologues: [Monologue]

    /// Our schema: timed words with speaker and confidence; punctuation joins the word before it.
    package func transcript(language: String?, duration: Double?) -> Transcript {
        var words: [Transcript.Word] = []
        var text = ""
        for monologue in monologues {
            if !text.isEmpty { text += " " }
            for element in monologue.elements {
                text += element.value
                switch element.type {
                case "text":
                    guard let start = element.ts, let end = element.endTs else { continue }
                    words.append(Transcript.Word(text: element.value, start: start, end: end, speaker: monologue.speaker, confidence: element.confidence))
                case "punct":
                    let mark = element.value.trimmingCharacters(in: .whitespaces)
                    if !mark.isEmpty, !words.isEmpty { words[words.count - 1].text += mark }
                default: continue
                }
            }
        }
        return Transcript(engine: "revai", language: language, duration: duration, text: text, words: words)
    }
}

/// Caption formats Rev.ai renders.
package enum CaptionFormat: String, Sendable {
    case srt, vtt
    var mimeType: String { self == .srt ? "application/x-subrip" : "text/vtt" }
}
