import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Pipeline
import Providers

/// One job's page: its state, timeline, controls, results and downloads.
extension APIServer {
    /// The job `{id}` if it is the user's tenant's (another tenant's answers 404, like a missing one).
    private func userJob(_ context: APIContext, _ user: DashboardUser) async throws -> (Job, APIContext) {
        var context = context
        context.principal = user.principal
        return (try await ownedJob(context), context)
    }

    func jobPage(_ request: Request, _ context: APIContext, _ user: DashboardUser) async throws -> Response {
        let (job, _) = try await userJob(context, user)
        let steps = try await store.steps(of: job.id)
        let assets = try await store.assets(of: job.id)
        let events = try await store.events(of: job.id, after: nil, before: nil, descending: true, limit: 200)
        var values = jobRow(job)
        let id = Views.id(job.id)
        values["jobID"] = id
        values["currentStep"] = steps.last(where: { $0.status == .running })?.name
        values["duration"] = job.finishedAt.map { DashboardFormat.duration($0.timeIntervalSince(job.createdAt)) }
        values["canCancel"] = [.queued, .retrying, .running].contains(job.status)
        values["canRetry"] = [.dead, .cancelled].contains(job.status)
        values["canRerun"] = job.status.isFinal
        if let error = Views.object(job.error) as? [String: Any] {
            var shown: [String: Any] = ["code": error["code"] as? String ?? "error", "message": error["message"] as? String ?? ""]
            if let step = error["step"] as? String, !step.isEmpty { shown["step"] = step }
            values["error"] = shown
            switch job.status {
            case .dead:
                values["retryHint"] = "It failed \(job.attempts) of \(job.maxAttempts) attempts and is dead. Retry runs it again from the failed step (finished steps are kept); Rerun starts a new job with the same input."
            case .retrying:
                values["retryHint"] = "It will be tried again automatically at \(DashboardFormat.time(job.runAt))."
            default: break
            }
        }
        values["steps"] = steps.map { step -> [String: Any] in
            var duration: Double?
            if let start = step.startedAt, let end = step.finishedAt { duration = end.timeIntervalSince(start) }
            let error = Views.object(step.error) as? [String: Any]
            var row: [String: Any] = ["name": step.name, "status": step.status.rawValue, "attempts": step.attempts,
                                      "started": DashboardFormat.time(step.startedAt), "finished": DashboardFormat.time(step.finishedAt),
                                      "duration": DashboardFormat.duration(duration)]
            if let message = error?["message"] as? String, !message.isEmpty { row["stepError"] = message }
            return row
        }
        values["events"] = events.map { event -> [String: Any] in
            ["at": DashboardFormat.time(event.at), "atISO": DashboardFormat.isoTime(event.at), "type": event.type,
             "source": event.source, "step": event.step ?? ""]
        }
        values["assets"] = assets.filter { $0.kind != "chunk" && $0.kind != "segment_audio" }.map(assetRow)
        values["segmentAssets"] = assets.filter { $0.kind == "segment_audio" }.count
        if job.workflow == "narrate" {
            values["narration"] = try await narration(job, steps: steps, assets: assets)
        } else if job.workflow == "transcribe" {
            values["transcription"] = try await transcription(job, assets: assets)
        }
        return try render("job", user: user, title: values["name"] as? String ?? "Job", values)
    }

    private func assetRow(_ asset: Asset) -> [String: Any] {
        let assetID = AssetID.make(job: asset.jobID, uri: asset.uri)
        return ["name": asset.uri.split(separator: "/").last.map(String.init) ?? asset.kind, "kind": asset.kind,
                "size": DashboardFormat.bytes(asset.bytes), "contentType": asset.contentType,
                "url": "/ui/assets/\(assetID)/content"]
    }

    private func url(_ asset: Asset) -> String { "/ui/assets/\(AssetID.make(job: asset.jobID, uri: asset.uri))/content" }

    /// The book's player, chapters (from `assemble`), segments with their text (from `segment`)
    /// and clips, and the markup.
    private func narration(_ job: Job, steps: [StepRecord], assets: [Asset]) async throws -> [String: Any] {
        var values: [String: Any] = [:]
        if let audio = assets.first(where: { $0.kind == "audio" }) { values["audio"] = url(audio) }
        let plan = steps.first { $0.name == "segment" }.flatMap { Views.object($0.output) as? [String: Any] }
        let assembled = steps.first { $0.name == "assemble" }.flatMap { Views.object($0.output) as? [String: Any] }
        let spans = assembled?["spans"] as? [[Double]] ?? []
        let chapters = (assembled?["chapters"] as? [[String: Any]] ?? []).map { chapter -> [String: Any] in
            let start = chapter["start"] as? Double ?? 0
            return ["title": chapter["title"] as? String ?? "", "start": String(format: "%.3f", start), "startLabel": DashboardFormat.clock(start)]
        }
        var clips: [Int: String] = [:]
        for asset in assets where asset.kind == "segment_audio" {
            if let meta = Views.object(asset.meta) as? [String: Any], let index = meta["segment"] as? Int { clips[index] = url(asset) }
        }
        let segments = (plan?["segments"] as? [[String: Any]] ?? []).prefix(2000).map { segment -> [String: Any] in
            let index = segment["index"] as? Int ?? 0
            var row: [String: Any] = ["index": index, "number": index + 1, "text": segment["text"] as? String ?? ""]
            if spans.indices.contains(index), let start = spans[index].first {
                row["start"] = String(format: "%.3f", start)
                row["startLabel"] = DashboardFormat.clock(start)
                row["seekable"] = values["audio"] != nil
            }
            if let clip = clips[index] { row["clip"] = clip }
            return row
        }
        values["chapters"] = chapters
        values["hasChapters"] = !chapters.isEmpty
        values["segments"] = Array(segments)
        values["hasSegments"] = !segments.isEmpty
        if let markup = assets.first(where: { $0.kind == "markup" }) { values["markup"] = try await assetText(markup, limit: 256 * 1024) }
        return values
    }

    /// The recording (the job's source) with its captions track, the transcript as clickable
    /// cues, and the summary and tags when the job made them.
    private func transcription(_ job: Job, assets: [Asset]) async throws -> [String: Any] {
        let input = Views.object(job.input) as? [String: Any] ?? [:]
        var values: [String: Any] = ["source": "/ui/jobs/\(Views.id(job.id))/source"]
        let name = input["name"] as? String ?? ""
        values["isVideo"] = ContentType.forPath(name).hasPrefix("video/")
        if let vtt = assets.first(where: { $0.kind == "captions_vtt" }) {
            values["captions"] = url(vtt)
            let text = try await assetText(vtt, limit: 2 << 20) ?? ""
            let cues = Self.cues(text)
            values["cues"] = cues.map { ["start": String(format: "%.3f", $0.start), "startLabel": DashboardFormat.clock($0.start), "text": $0.text] }
            values["hasCues"] = !cues.isEmpty
        }
        for asset in assets where asset.kind.hasPrefix("captions_vtt_") {
            values["translations", default: [[String: Any]]()] = (values["translations"] as? [[String: Any]] ?? [])
                + [["url": url(asset), "language": String(asset.kind.dropFirst("captions_vtt_".count))]]
        }
        values["language"] = (input["language"] as? String) ?? "en"
        if let summaryAsset = assets.first(where: { $0.kind == "summary" }),
           let text = try await assetText(summaryAsset, limit: 1 << 20),
           let summary = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] {
            let keyPoints = summary["key_points"] as? [String] ?? []
            values["summary"] = ["text": summary["summary"] as? String ?? "", "keyPoints": keyPoints, "hasKeyPoints": !keyPoints.isEmpty,
                                 "tags": summary["tags"] as? [String] ?? []]
        }
        return values
    }

    /// The cues of a WebVTT document: start time and text.
    static func cues(_ vtt: String) -> [(start: Double, text: String)] {
        var cues: [(start: Double, text: String)] = []
        let blocks = vtt.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
        for block in blocks {
            let lines = block.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            guard let timing = lines.firstIndex(where: { $0.contains("-->") }) else { continue }
            let start = lines[timing].components(separatedBy: "-->")[0].trimmingCharacters(in: .whitespaces)
            guard let seconds = vttTime(start) else { continue }
            cues.append((seconds, lines[(timing + 1)...].joined(separator: " ")))
        }
        return cues
    }

    static func vttTime(_ text: String) -> Double? {
        let parts = text.split(separator: ":").map(String.init)
        guard (2...3).contains(parts.count), let seconds = Double(parts.last!) else { return nil }
        let numbers = parts.dropLast().compactMap { Int($0) }
        guard numbers.count == parts.count - 1 else { return nil }
        return numbers.reduce(0) { $0 * 60 + Double($1) } * 60 + seconds
    }

    /// A small text asset's content (nil when it is larger than `limit` or gone).
    func assetText(_ asset: Asset, limit: Int64) async throws -> String? {
        guard asset.bytes <= limit else { return nil }
        if let url = URL(string: asset.uri), url.isFileURL {
            return try? await blockingRead { try String(contentsOfFile: url.path, encoding: .utf8) }
        }
        guard let key = objectKey(asset.uri) else { return nil }
        let path = configuration.scratch + "/text-" + UUID().uuidString
        defer { unlink(path) }
        try await storage.get(key: key, to: path)
        return try? await blockingRead { try String(contentsOfFile: path, encoding: .utf8) }
    }

    // MARK: Controls and media

    /// Cancel, retry or rerun, through the API's own handlers; then back to the page (a rerun
    /// lands on the new job, a redrive from queue health back there).
    func jobAction(_ request: Request, _ context: APIContext, _ user: DashboardUser, _ form: [String: String]) async throws -> Response {
        let action = context.parameters.get("action") ?? ""
        guard ["cancel", "retry", "rerun"].contains(action),
              let route = routes.first(where: { $0.method == .post && $0.path == "/v1/jobs/{id}/\(action)" })
        else { throw Problem.notFound("action \(action)") }
        let (job, apiContext) = try await userJob(context, user)
        let response = try await route.handler(request, apiContext)
        if action == "rerun", let location = response.headers[.location], let id = location.split(separator: "/").last {
            return redirect("/ui/jobs/\(id)")
        }
        return redirect(form["back"] == "health" ? "/ui/health" : "/ui/jobs/\(Views.id(job.id))")
    }

    /// The job's source file (the recording a transcript is of), with Range for seeking.
    func jobSource(_ request: Request, _ context: APIContext, _ user: DashboardUser) async throws -> Response {
        let (job, _) = try await userJob(context, user)
        let input = Views.object(job.input) as? [String: Any] ?? [:]
        guard let key = input["source_key"] as? String else { throw Problem.notFound("the source of job \(Views.id(job.id))") }
        let name = input["name"] as? String ?? "source"
        do {
            try ObjectKey.validate(key)
        } catch {
            throw Problem.notFound("the source of job \(Views.id(job.id))")
        }
        // A local store's file is read where it is (each seek of a long recording is a new
        // request); an object in S3 is fetched to scratch first.
        if let url = URL(string: storage.uri(for: key)), url.isFileURL {
            return try fileContent(path: url.path, temporary: false, contentType: ContentType.forPath(name), name: name, eTag: nil, request)
        }
        let path = configuration.scratch + "/source-" + UUID().uuidString
        do {
            try await storage.get(key: key, to: path)
        } catch {
            unlink(path)
            throw Problem(.gone, "content_missing", "the job's source is no longer in the store")
        }
        return try fileContent(path: path, temporary: true, contentType: ContentType.forPath(name), name: name, eTag: nil, request)
    }
}
