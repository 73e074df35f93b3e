import FakeProviders
import Foundation
import Testing

@testable import Providers

struct RevAIClientTests {
    @Test func uploadsWaitsAndFetchesEverything() async throws {
        try await withFakes { fixture in
            let path = try temporaryFile(toneWAV(seconds: 4), suffix: ".wav")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let rev = try fixture.revai()
            let job = try await rev.submit(file: path, options: RevJobOptions(language: "en", metadata: "test"))
            #expect(job.status == .inProgress)
            #expect(job.metadata == "test")
            let done = try await rev.waitForCompletion(job.id)
            #expect(done.status == .transcribed)
            #expect(done.durationSeconds == 4)
            let transcript = try await rev.transcript(job.id).transcript(language: "en", duration: done.durationSeconds)
            #expect(transcript.words.count == 10)  // 2.5 words per second of audio
            #expect(transcript.words.allSatisfy { $0.end > $0.start && $0.confidence != nil && $0.speaker != nil })
            #expect(zip(transcript.words, transcript.words.dropFirst()).allSatisfy { $0.start < $1.start })
            let text = try await rev.transcriptText(job.id)
            #expect(text.hasPrefix("Speaker 0"))
            let srt = try await rev.captions(job.id, format: .srt)
            let vtt = try await rev.captions(job.id, format: .vtt)
            #expect(srt.hasPrefix("1\n00:00:00,000 --> "))
            #expect(vtt.hasPrefix("WEBVTT"))
            try await rev.delete(job.id)
            let gone = await #expect(throws: ProviderError.self) { try await rev.job(job.id) }
            #expect(gone?.status == 404)
            #expect(gone?.code == "job-not-found")
            #expect(fixture.fakes.revai.jobsSubmitted == 1)
        }
    }

    @Test func submitsURLThroughSourceConfig() async throws {
        try await withFakes { fixture in
            let rev = try fixture.revai()
            let job = try await rev.submit(url: "https://media.example.com/a.mp3")
            let done = try await rev.waitForCompletion(job.id)
            #expect(done.durationSeconds == 10)
            #expect(try await rev.transcript(job.id).monologues.flatMap(\.elements).contains { $0.type == "text" })
        }
    }

    @Test func failedJobIsMappedToItsReason() async throws {
        try await withFakes { fixture in
            fixture.fakes.revai.script([.failed(failure: "invalid_media", detail: "Media file is invalid", afterPolls: 1)])
            let rev = try fixture.revai()
            let job = try await rev.submit(url: "https://media.example.com/bad.mp3")
            let error = await #expect(throws: ProviderError.self) { try await rev.waitForCompletion(job.id) }
            #expect(error?.kind == .jobFailed)
            #expect(error?.code == "invalid_media")
            #expect(error?.description.contains("not audio or video") == true)
        }
    }

    @Test func stuckJobTimesOut() async throws {
        try await withFakes { fixture in
            fixture.fakes.revai.script([.stuck])
            let rev = try fixture.revai { $0.jobTimeout = .seconds(3) }
            let job = try await rev.submit(url: "https://media.example.com/a.mp3")
            let error = await #expect(throws: ProviderError.self) { try await rev.waitForCompletion(job.id) }
            #expect(error?.code == "poll-timeout")
            #expect(fixture.fakes.stats(.revai).callsByRoute["GET /jobs/{id}", default: 0] >= 1)
        }
    }

    @Test func transcriptBeforeCompletionIsAConflict() async throws {
        try await withFakes { fixture in
            fixture.fakes.revai.script([.stuck])
            let rev = try fixture.revai()
            let job = try await rev.submit(url: "https://media.example.com/a.mp3")
            let error = await #expect(throws: ProviderError.self) { try await rev.transcript(job.id) }
            #expect(error?.status == 409)
            #expect(error?.code == "invalid-job-state")
            let delete = await #expect(throws: ProviderError.self) { try await rev.delete(job.id) }
            #expect(delete?.status == 409)
        }
    }

    @Test func submissionIsNeverResentBlindly() async throws {
        try await withFakes { fixture in
            let path = try temporaryFile(toneWAV(seconds: 1), suffix: ".wav")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let rev = try fixture.revai()
            // The job is created, then the answer is cut off: a blind retry would bill twice.
            fixture.fakes.inject([.truncatedBody], into: .revai)
            await #expect(throws: ProviderError.self) { try await rev.submit(file: path) }
            #expect(fixture.fakes.revai.jobsSubmitted == 1)
            fixture.fakes.inject([.status(502)], into: .revai)
            let error = await #expect(throws: ProviderError.self) { try await rev.submit(file: path) }
            #expect(error?.status == 502)
            #expect(fixture.fakes.revai.jobsSubmitted == 1)
            #expect(fixture.fakes.stats(.revai).callsByRoute["POST /jobs"] == 2)
        }
    }

    @Test func pollsAreRetriedOnTransientErrors() async throws {
        try await withFakes { fixture in
            let rev = try fixture.revai()
            let job = try await rev.submit(url: "https://media.example.com/a.mp3")
            fixture.fakes.inject([.status(503), .status(429, retryAfter: "0")], into: .revai)
            #expect(try await rev.waitForCompletion(job.id).status == .transcribed)
        }
    }

    @Test func documentedClientErrors() async throws {
        try await withFakes({ $0.revai.maxUploadBytes = 10_000 }) { fixture in
            let big = try temporaryFile(toneWAV(seconds: 2), suffix: ".wav")
            defer { try? FileManager.default.removeItem(atPath: big) }
            let rev = try fixture.revai()
            let tooLarge = await #expect(throws: ProviderError.self) { try await rev.submit(file: big) }
            #expect(tooLarge?.status == 413)
            #expect(tooLarge?.message?.contains("Payload Too Large") == true)
            let invalid = await #expect(throws: ProviderError.self) {
                try await rev.submit(url: "https://media.example.com/a.mp3", options: RevJobOptions(metadata: String(repeating: "m", count: 600)))
            }
            #expect(invalid?.status == 400)
            #expect(invalid?.code == "invalid-parameters")
            #expect(invalid?.message?.contains("metadata") == true)
            let unauthorized = try fixture.revai { $0.accessToken = "wrong-token-123456" }
            let denied = await #expect(throws: ProviderError.self) { try await unauthorized.job("x") }
            #expect(denied?.status == 401)
            #expect(denied?.attempts == 1)
            #expect(denied?.message == "Authorization has been denied for this request")
            #expect(fixture.fakes.revai.jobsSubmitted == 0)
        }
    }
}

struct RevWebhookTests {
    @Test func parsesWebhookBodyAndSendsNotificationConfig() throws {
        let body = #"{"job":{"id":"Umx5c6F7pH7r","status":"transcribed","created_on":"2018-05-05T23:23:22.29Z","callback_url":"https://www.example.com/callback","duration_seconds":356.24,"media_url":"https://www.rev.ai/FTC_Sample_1.mp3"}}"#
        let job = try RevJob.fromWebhook(Data(body.utf8))
        #expect(job.id == "Umx5c6F7pH7r")
        #expect(job.status == .transcribed)
        #expect(job.durationSeconds == 356.24)
        #expect(throws: ProviderError.self) { try RevJob.fromWebhook(Data("{}".utf8)) }
        var options = RevJobOptions(language: "en")
        options.notificationConfig = .init(url: "https://me/callback", authHeaders: ["Authorization": "Bearer abc"])
        let json = JSONValue.decode(try JSONEncoder().encode(options))
        #expect(json?["notification_config"]?["url"] == "https://me/callback")
        #expect(json?["skip_diarization"] == nil)  // unset options are left out
    }
}
