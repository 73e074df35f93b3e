import Foundation

extension FakeRevAI {
    static let jsonType = "application/vnd.rev.transcript.v1.0+json"

    func transcript(_ id: String, _ request: FakeRequest) -> FakeResponse {
        let accept = request.header("accept") ?? Self.jsonType
        guard accept == Self.jsonType || accept == "text/plain" else {
            return problem(406, ["type": "https://www.rev.ai/api/v1/errors/unsupported-output-format",
                                 "title": "Output format is not supported", "detail": "Unsupported value \(accept)", "status": 406,
                                 "allowed_values": ["text/plain", Self.jsonType], "current_value": accept])
        }
        return withJob(id) { job in
            guard job.status == "transcribed" else { return notReady(job, what: "transcript") }
            if accept == "text/plain" { return .text(200, plainText(job)) }
            return .json(200, ["monologues": monologues(job)], contentType: Self.jsonType)
        }
    }

    func captions(_ id: String, _ request: FakeRequest) -> FakeResponse {
        let accept = request.header("accept") ?? "application/x-subrip"
        guard accept == "application/x-subrip" || accept == "text/vtt" else {
            return problem(406, ["type": "https://www.rev.ai/api/v1/errors/unsupported-output-format",
                                 "title": "Output format is not supported", "detail": "Unsupported value \(accept)", "status": 406,
                                 "allowed_values": ["application/x-subrip", "text/vtt"], "current_value": accept])
        }
        return withJob(id) { job in
            if job.options["speaker_channels_count"] != nil, request.query["speaker_channel"] == nil {
                return problem(405, ["type": "https://www.rev.ai/api/v1/errors/invalid-job-properties",
                                     "title": "speaker_channel is required for multichannel jobs", "status": 405])
            }
            guard job.status == "transcribed" else { return notReady(job, what: "captions") }
            let vtt = accept == "text/vtt"
            return .text(200, cues(job, vtt: vtt), contentType: vtt ? "text/vtt" : "application/x-subrip")
        }
    }

    private func notReady(_ job: Job, what: String) -> FakeResponse {
        problem(409, ["type": "https://rev.ai/api/v1/errors/invalid-job-state", "title": "Job is in invalid state",
                      "detail": "Job is in invalid state to obtain the \(what)", "status": 409,
                      "allowed_values": ["transcribed"], "current_value": job.status])
    }

    private func speakers(_ job: Job) -> [(speaker: Int, words: [FakeTranscript.Word])] {
        let single = job.options["skip_diarization"] as? Bool == true
        var groups: [(speaker: Int, words: [FakeTranscript.Word])] = []
        for word in job.transcript.words {
            let speaker = single ? 0 : word.speaker
            if groups.last?.speaker == speaker { groups[groups.count - 1].words.append(word) } else { groups.append((speaker, [word])) }
        }
        return groups
    }

    private func monologues(_ job: Job) -> [[String: Any]] {
        let punctuate = job.options["skip_punctuation"] as? Bool != true
        var index = 0
        return speakers(job).map { group in
            var elements: [[String: Any]] = []
            for (position, word) in group.words.enumerated() {
                if position > 0, punctuate { elements.append(["type": "punct", "value": " "]) }
                elements.append(["type": "text", "value": word.text, "ts": word.start, "end_ts": word.end, "confidence": word.confidence])
                if job.transcript.inaudibleAfter == index {
                    if punctuate { elements.append(["type": "punct", "value": " "]) }
                    elements.append(["type": "unknown", "value": "<inaudible>"])
                }
                index += 1
                if punctuate, index % 8 == 0 || position == group.words.count - 1 { elements.append(["type": "punct", "value": "."]) }
            }
            return ["speaker": group.speaker, "elements": elements]
        }
    }

    private func plainText(_ job: Job) -> String {
        speakers(job).map { group in
            let start = Int(group.words.first?.start ?? 0)
            let stamp = String(format: "%02d:%02d:%02d", start / 3600, start / 60 % 60, start % 60)
            return "Speaker \(group.speaker)    \(stamp)    " + group.words.map(\.text).joined(separator: " ") + "."
        }.joined(separator: "\n\n") + "\n"
    }

    private func cues(_ job: Job, vtt: Bool) -> String {
        func stamp(_ seconds: Double) -> String {
            let ms = Int((seconds * 1000).rounded())
            return String(format: "%02d:%02d:%02d%@%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, vtt ? "." : ",", ms % 1000)
        }
        var out = vtt ? "WEBVTT\n\n" : ""
        for (index, sentence) in job.transcript.sentences.enumerated() {
            guard let first = sentence.first, let last = sentence.last else { continue }
            if !vtt { out += "\(index + 1)\n" }
            out += "\(stamp(first.start)) --> \(stamp(last.end))\n"
            out += sentence.map(\.text).joined(separator: " ") + "\n\n"
        }
        return out
    }
}
