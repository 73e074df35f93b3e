import FakeProviders
import Foundation
import Testing

@testable import Providers

/// The fakes answer as the reference says the real services do (provider-apis.md checklists).
struct FakeConformanceTests {
    func send(_ fixture: Fixture, _ method: String, _ path: String, headers: HTTPHeaders = [:], json: JSONValue? = nil) async throws -> HTTPResponse {
        var headers = headers
        if json != nil { headers.set("Content-Type", "application/json") }
        return try await fixture.client.send(HTTPRequest(
            method: method, url: fixture.fakes.baseURL + path, headers: headers, body: json.map { .bytes($0.encoded()) } ?? .none))
    }

    @Test func revAIProblemBodiesAndNegotiation() async throws {
        try await withFakes { fixture in
            // An empty Accept suppresses curl's default `Accept: */*`, which Rev answers with 406.
            let auth: HTTPHeaders = ["Authorization": "Bearer \(fixture.fakes.keys.revai)", "Accept": ""]
            let denied = try await send(fixture, "GET", "/speechtotext/v1/jobs")
            #expect(denied.status == 401)
            #expect(denied.headers["content-type"] == "application/problem+json")
            #expect(JSONValue.decode(denied.body) == ["title": "Authorization has been denied for this request", "status": 401])
            let missing = try await send(fixture, "POST", "/speechtotext/v1/jobs", headers: auth, json: ["metadata": "x"])
            #expect(missing.status == 400)
            #expect(JSONValue.decode(missing.body)?["type"] == "https://www.rev.ai/api/v1/errors/invalid-parameters")
            let both = try await send(fixture, "POST", "/speechtotext/v1/jobs", headers: auth, json: [
                "media_url": "https://x/a.mp3", "custom_vocabularies": [["phrases": ["a"]]], "custom_vocabulary_id": "cv1"])
            #expect(both.status == 400)
            var ids: [String] = []
            for index in 0..<3 {
                let created = try await send(fixture, "POST", "/speechtotext/v1/jobs", headers: auth, json: [
                    "media_url": .string("https://x/\(index).mp3"), "speaker_channels_count": 2])
                let job = try #require(JSONValue.decode(created.body))
                #expect(job["status"] == "in_progress")
                #expect(job["type"] == "async")
                #expect(job["completed_on"] == nil)  // null fields are omitted
                ids.append(try #require(job["id"]?.stringValue))
            }
            let listed = try await send(fixture, "GET", "/speechtotext/v1/jobs?limit=2&starting_after=\(ids[2])", headers: auth)
            #expect(JSONValue.decode(listed.body)?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[1], ids[0]])
            #expect(try await send(fixture, "GET", "/speechtotext/v1/jobs?limit=1001", headers: auth).status == 400)
            _ = try await send(fixture, "GET", "/speechtotext/v1/jobs/\(ids[0])", headers: auth)
            _ = try await send(fixture, "GET", "/speechtotext/v1/jobs/\(ids[0])", headers: auth)
            var star = auth
            star.set("Accept", "*/*")
            let refused = try await send(fixture, "GET", "/speechtotext/v1/jobs/\(ids[0])/transcript", headers: star)
            #expect(refused.status == 406)
            #expect(JSONValue.decode(refused.body)?["allowed_values"] == ["text/plain", "application/vnd.rev.transcript.v1.0+json"])
            let json = try await send(fixture, "GET", "/speechtotext/v1/jobs/\(ids[0])/transcript", headers: auth)
            #expect(json.headers["content-type"] == "application/vnd.rev.transcript.v1.0+json")
            let elements = JSONValue.decode(json.body)?["monologues"]?.arrayValue?.flatMap { $0["elements"]?.arrayValue ?? [] } ?? []
            #expect(elements.contains { $0["type"] == "punct" && $0["value"] == " " })
            #expect(elements.filter { $0["type"] != "text" }.allSatisfy { $0["confidence"] == nil })
            #expect(elements.filter { $0["type"] == "text" }.allSatisfy { $0["end_ts"] != nil && $0["confidence"] != nil })
            let channelCaptions = try await send(fixture, "GET", "/speechtotext/v1/jobs/\(ids[0])/captions", headers: auth)
            #expect(channelCaptions.status == 405)
            #expect(try await send(fixture, "GET", "/speechtotext/v1/jobs/\(ids[0])/captions?speaker_channel=0", headers: auth).status == 200)
            #expect(try await send(fixture, "DELETE", "/speechtotext/v1/jobs/\(ids[1])", headers: auth).status == 409)
            #expect(try await send(fixture, "DELETE", "/speechtotext/v1/jobs/\(ids[0])", headers: auth).status == 204)
            #expect(try await send(fixture, "DELETE", "/speechtotext/v1/jobs/\(ids[0])", headers: auth).status == 404)
        }
    }

    @Test func geminiAuthValidationAndLimits() async throws {
        try await withFakes { fixture in
            let key = fixture.fakes.keys.gemini
            let prompt: JSONValue = ["contents": [["parts": [["text": "hi"]]]]]
            let noKey = try await send(fixture, "POST", "/v1beta/models/gemini-2.5-flash:generateContent", json: prompt)
            #expect(noKey.status == 403)
            #expect(JSONValue.decode(noKey.body)?["error"]?["status"] == "PERMISSION_DENIED")
            let queryKey = try await send(fixture, "POST", "/v1beta/models/gemini-2.5-flash:generateContent?key=\(key)", json: prompt)
            #expect(queryKey.status == 200)
            let header: HTTPHeaders = ["x-goog-api-key": key]
            let snake = try await send(fixture, "POST", "/v1beta/models/gemini-2.5-flash:generateContent", headers: header, json: [
                "contents": [["parts": [["text": "hi"]]]], "generation_config": ["response_mime_type": "application/json"]])
            #expect(JSONValue.decode(snake.body)?["candidates"]?.arrayValue?.first?["finishReason"] == "STOP")
            let schemaWithoutMime = try await send(fixture, "POST", "/v1beta/models/gemini-2.5-flash:generateContent", headers: header, json: [
                "contents": [["parts": [["text": "hi"]]]], "generationConfig": ["responseSchema": ["type": "STRING"]]])
            #expect(schemaWithoutMime.status == 400)
            let empty = try await send(fixture, "POST", "/v1beta/models/gemini-2.5-flash:generateContent", headers: header, json: ["contents": []])
            #expect(empty.status == 400)
            let tooMany = try await send(fixture, "POST", "/v1beta/models/gemini-embedding-001:batchEmbedContents", headers: header, json: [
                "requests": .array((0..<101).map { _ in ["model": "models/gemini-embedding-001", "content": ["parts": [["text": "a"]]]] })])
            #expect(tooMany.status == 400)
            #expect(JSONValue.decode(tooMany.body)?["error"]?["message"]?.stringValue?.contains("at most 100 requests can be in one batch") == true)
            let mismatch = try await send(fixture, "POST", "/v1beta/models/gemini-embedding-001:batchEmbedContents", headers: header, json: [
                "requests": [["model": "models/text-embedding-004", "content": ["parts": [["text": "a"]]]]]])
            #expect(mismatch.status == 400)
            let single = try await send(fixture, "POST", "/v1beta/models/gemini-embedding-001:embedContent", headers: header, json: [
                "content": ["parts": [["text": "a"]]], "embedContentConfig": ["outputDimensionality": 8]])
            #expect(JSONValue.decode(single.body)?["embedding"]?["values"]?.arrayValue?.count == 8)
            let system = try await send(fixture, "POST", "/v1beta/models/gemini-2.5-flash-preview-tts:generateContent", headers: header, json: [
                "contents": [["parts": [["text": "hi"]]]], "systemInstruction": ["parts": [["text": "be calm"]]]])
            #expect(JSONValue.decode(system.body)?["error"]?["message"] == "Developer instruction is not enabled for this model")
        }
    }

    @Test func cloudTTSAndOpenAIValidation() async throws {
        try await withFakes { fixture in
            let google: HTTPHeaders = ["X-Goog-Api-Key": fixture.fakes.keys.google]
            let tooLong = try await send(fixture, "POST", "/v1/text:synthesize", headers: google, json: [
                "input": ["text": .string(String(repeating: "é", count: 2501))], "voice": ["languageCode": "en-US"],
                "audioConfig": ["audioEncoding": "LINEAR16"]])
            #expect(tooLong.status == 400)
            #expect(JSONValue.decode(tooLong.body)?["error"]?["message"]?.stringValue?.hasPrefix("Either `input.text` or `input.ssml` is longer than the limit of 5000 bytes.") == true)
            let rate = try await send(fixture, "POST", "/v1/text:synthesize", headers: google, json: [
                "input": ["text": "hi"], "voice": ["languageCode": "en-US"], "audioConfig": ["audioEncoding": "MP3", "speakingRate": 3.0]])
            #expect(rate.status == 400)
            let bearer = try await send(fixture, "POST", "/v1/text:synthesize", headers: ["Authorization": "Bearer \(fixture.fakes.keys.google)"], json: [
                "input": ["text": "hi"], "voice": ["languageCode": "en-US"], "audioConfig": ["audioEncoding": "PCM"]])
            #expect(bearer.status == 200)
            let openai: HTTPHeaders = ["Authorization": "Bearer \(fixture.fakes.keys.openai)"]
            let long = try await send(fixture, "POST", "/v1/audio/speech", headers: openai, json: [
                "model": "tts-1", "input": .string(String(repeating: "a", count: 4097)), "voice": "alloy"])
            #expect(long.status == 400)
            #expect(JSONValue.decode(long.body)?["error"]?["param"] == "input")
            let speed = try await send(fixture, "POST", "/v1/audio/speech", headers: openai, json: ["model": "tts-1", "input": "a", "voice": "alloy", "speed": 5])
            #expect(speed.status == 400)
            let model = try await send(fixture, "POST", "/v1/audio/speech", headers: openai, json: ["model": "tts-9", "input": "a", "voice": "alloy"])
            #expect(model.status == 404)
            let mp3 = try await send(fixture, "POST", "/v1/audio/speech", headers: openai, json: ["model": "tts-1", "input": "hello", "voice": "alloy"])
            #expect(mp3.headers["content-type"] == "audio/mpeg")
            #expect(try await send(fixture, "POST", "/v1/audio/speech", json: ["model": "tts-1", "input": "a", "voice": "alloy"]).status == 401)
        }
    }

    @Test func faultFlagsParse() {
        #expect(Fault(flag: "429:retry-after=2") == .status(429, retryAfter: "2"))
        #expect(Fault(flag: "429:retry-delay=1.5s") == .status(429, retryDelay: "1.5s"))
        #expect(Fault(flag: "latency=250ms") == .latency(.milliseconds(250)))
        #expect(Fault(flag: "gemini-no-content") == .geminiNoContent)
        #expect(Fault(flag: "bogus") == nil)
    }

    @Test func recurringFaultHitsEveryNthRequest() async throws {
        try await withFakes { fixture in
            fixture.fakes.setRecurringFault(.status(503), every: 3, for: .echo)
            var statuses: [Int] = []
            for _ in 0..<6 { statuses.append(try await fixture.client.send(HTTPRequest(url: fixture.echoURL)).status) }
            #expect(statuses == [200, 200, 503, 200, 200, 503])
        }
    }
}
