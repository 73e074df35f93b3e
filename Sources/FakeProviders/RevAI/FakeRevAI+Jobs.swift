import Foundation

extension FakeRevAI {
    static let optionKeys = [
        "skip_diarization", "skip_punctuation", "remove_disfluencies", "filter_profanity", "custom_vocabulary_id",
        "speaker_channels_count", "language", "delete_after_seconds", "transcriber", "verbatim", "rush",
        "segments_to_transcribe", "speakers_count", "diarization_type",
    ]

    func submit(_ request: FakeRequest) -> FakeResponse {
        let contentType = request.header("content-type") ?? ""
        var options: [String: Any]
        var audio = Data()
        var name: String?
        var mediaURL: String?
        if contentType.lowercased().hasPrefix("multipart/form-data") {
            guard request.body.count <= self.options.maxUploadBytes else {
                return problem(413, ["title": "Payload Too Large", "detail": "Submitted payload exceeds maximum allowed file size", "status": 413])
            }
            guard let parts = MultipartParser.parse(request.body, contentType: contentType),
                let media = parts.first(where: { $0.name == "media" })
            else { return invalid(["media": ["The media field is required"]]) }
            audio = media.data
            name = media.filename
            if let optionsPart = parts.first(where: { $0.name == "options" }) {
                guard let parsed = (try? JSONSerialization.jsonObject(with: optionsPart.data)) as? [String: Any] else {
                    return invalid(["options": ["The options field must be a JSON object"]])
                }
                options = parsed
            } else {
                options = [:]
            }
        } else {
            guard let json = request.json else { return invalid(["body": ["The request body must be JSON"]]) }
            options = json
            mediaURL = (json["source_config"] as? [String: Any])?["url"] as? String ?? json["media_url"] as? String
            guard let url = mediaURL, !url.isEmpty else { return invalid(["media_url": ["The media_url field is required"]]) }
            audio = Data(url.utf8)  // the fake does not download: the URL seeds the transcript
        }
        if options["custom_vocabularies"] != nil, options["custom_vocabulary_id"] != nil {
            return invalid(["custom_vocabulary_id": ["custom_vocabularies and custom_vocabulary_id cannot both be set"]])
        }
        let metadata = options["metadata"] as? String
        if let metadata, metadata.count > 512 { return invalid(["metadata": ["metadata must be at most 512 characters"]]) }
        let duration = mediaURL == nil ? nil : 10.0
        let job = store { index, outcome in
            Job(
                id: Self.jobID(index), createdOn: Self.timestamp(), name: name, metadata: metadata, mediaURL: mediaURL,
                options: options.filter { Self.optionKeys.contains($0.key) }, outcome: outcome,
                transcript: FakeTranscript(audio: audio, durationOverride: duration), submitIndex: index,
                notification: Self.notification(options))
        }
        if let delay = self.options.processingDelay { finishLater(job.id, after: delay) }
        return .json(200, jobJSON(job))
    }

    func invalid(_ parameters: [String: [String]]) -> FakeResponse {
        problem(400, ["type": "https://www.rev.ai/api/v1/errors/invalid-parameters",
                      "title": "Your request parameters didn't validate", "status": 400, "parameters": parameters])
    }

    func poll(_ id: String) -> FakeResponse {
        var finished: Job?
        let response = withJob(id) { job in
            if job.status == "in_progress", options.processingDelay == nil {
                job.polls += 1
                switch job.outcome {
                case .transcribed(let after) where job.polls > after, .failed(_, _, let after) where job.polls > after:
                    if Self.finish(&job) { finished = job }
                default: break
                }
            }
            return .json(200, jobJSON(job))
        }
        if let finished { notifyFinished(finished) }
        return response
    }

    func list(_ request: FakeRequest) -> FakeResponse {
        let limit = request.query["limit"].flatMap(Int.init) ?? 100
        guard limit <= 1000 else {
            return problem(400, ["type": "https://www.rev.ai/api/v1/errors/invalid-parameters",
                                 "title": "Your request parameters didn't validate", "status": 400,
                                 "parameters": ["limit": ["limit must be at most 1000"]]])
        }
        var jobs = allJobs().sorted { $0.submitIndex > $1.submitIndex }
        if let after = request.query["starting_after"], let pivot = jobs.first(where: { $0.id == after }) {
            jobs = jobs.filter { $0.submitIndex < pivot.submitIndex }
        }
        return .json(200, jobs.prefix(limit).map(jobJSON))
    }

    func delete(_ id: String) -> FakeResponse {
        let response = withJob(id) { job in
            guard job.status != "in_progress" else {
                return problem(409, ["type": "https://rev.ai/api/v1/errors/invalid-job-state", "title": "Job is in invalid state",
                                     "detail": "Job is in invalid state to be deleted", "status": 409,
                                     "allowed_values": ["transcribed", "failed"], "current_value": job.status])
            }
            return FakeResponse(status: 204)
        }
        if response.status == 204 { removeJob(id) }
        return response
    }

    /// Job JSON with null fields omitted and the submitted options echoed.
    func jobJSON(_ job: Job) -> [String: Any] {
        var json: [String: Any] = job.options
        json["id"] = job.id
        json["status"] = job.status
        json["type"] = "async"
        json["created_on"] = job.createdOn
        if let name = job.name { json["name"] = name }
        if let metadata = job.metadata { json["metadata"] = metadata }
        if let url = job.mediaURL { json["media_url"] = url }
        if let url = job.notification?.url { json["callback_url"] = url }
        if let completed = job.completedOn { json["completed_on"] = completed }
        if job.status != "in_progress" { json["duration_seconds"] = (job.transcript.duration * 100).rounded() / 100 }
        if job.status == "failed", case .failed(let failure, let detail, _) = job.outcome {
            json["failure"] = failure
            json["failure_detail"] = detail
        }
        return json
    }

    static func jobID(_ index: Int) -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        var value = index &* 2_654_435_761 &+ 97
        return String((0..<12).map { _ in
            defer { value = value / alphabet.count &+ value % 7919 &* 31 }
            return alphabet[abs(value) % alphabet.count]
        }) + "\(index)"
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
