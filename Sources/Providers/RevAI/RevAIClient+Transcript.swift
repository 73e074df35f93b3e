import Foundation

extension RevAIClient {
    /// The typed Rev JSON transcript.
    /// - Throws: `ProviderError` (409 while not transcribed, 404 unknown job).
    package func transcript(_ id: String) async throws -> RevTranscript {
        let response = try await http.send(request("GET", "/jobs/\(id)/transcript", accept: "application/vnd.rev.transcript.v1.0+json"), operation: "transcript")
        return try decode(RevTranscript.self, response)
    }

    /// The plain-text transcript as Rev renders it.
    package func transcriptText(_ id: String) async throws -> String {
        try await http.send(request("GET", "/jobs/\(id)/transcript", accept: "text/plain"), operation: "transcript-text").text
    }

    /// Captions rendered by Rev (SRT or WebVTT).
    package func captions(_ id: String, format: CaptionFormat, speakerChannel: Int? = nil) async throws -> String {
        let query = speakerChannel.map { "?speaker_channel=\($0)" } ?? ""
        return try await http.send(request("GET", "/jobs/\(id)/captions\(query)", accept: format.mimeType), operation: "captions").text
    }

    /// Deletes the job and all its data (allowed once it is transcribed or failed).
    package func delete(_ id: String) async throws {
        _ = try await http.send(request("DELETE", "/jobs/\(id)"), operation: "delete")
    }

    /// A job's failure as a `ProviderError` with Rev's code and a readable reason.
    static func failure(_ job: RevJob) -> ProviderError {
        let reasons = [
            "internal_processing": "Rev could not process the media (internal error); resubmit later",
            "download_failure": "Rev could not download the media URL; check that it is a direct, still-valid link",
            "duration_exceeded": "the media is longer than Rev accepts",
            "duration_too_short": "the media is too short to transcribe",
            "invalid_media": "the file is not audio or video Rev can read",
            "empty_media": "the media contains no audio",
            "transcription": "Rev failed to transcribe the media",
            "insufficient_balance": "the Rev account balance is too low",
            "invoicing_limit_exceeded": "the Rev account's invoicing limit is reached",
        ]
        let reason = job.failure.flatMap { reasons[$0] } ?? "the job failed"
        let detail = job.failureDetail.map { "\(reason) (\($0))" } ?? reason
        return ProviderError(.jobFailed, provider: "revai", code: job.failure, message: "job \(job.id): \(detail)")
    }
}

/// Rev.ai as a `Transcriber`: upload, wait, fetch the transcript, delete the job.
package struct RevAITranscriber: Transcriber {
    package var client: RevAIClient
    package var deleteAfter = true

    package init(client: RevAIClient, deleteAfter: Bool = true) {
        self.client = client
        self.deleteAfter = deleteAfter
    }

    package func transcribe(file path: String, language: String?) async throws -> Transcript {
        try await transcribe(file: path, language: language, callback: nil)
    }

    /// Transcribes with Rev.ai calling back at `callback.url` when the job ends (polling only
    /// as the fallback); nil: polls as usual.
    package func transcribe(file path: String, language: String?, callback: (any RevAICallback)?) async throws -> Transcript {
        var options = RevJobOptions(language: language)
        options.notificationConfig = callback.map { RevJobOptions.NotificationConfig(url: $0.url) }
        let job: RevJob
        do { job = try await client.submit(file: path, options: options) } catch {
            await callback?.close()  // nothing will call back for a submission that failed
            throw error
        }
        let done: RevJob
        if let callback {
            do {
                done = try await client.waitForCompletion(job.id, callback: callback)
            } catch {
                await callback.close()
                throw error
            }
            await callback.close()
        } else {
            done = try await client.waitForCompletion(job.id)
        }
        let transcript = try await client.transcript(job.id).transcript(language: language ?? done.language, duration: done.durationSeconds)
        if deleteAfter { try? await client.delete(job.id) }
        return transcript
    }
}
