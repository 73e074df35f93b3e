import Basics
import Foundation
import HTTPTypes
import Hummingbird
import AsyncAlgorithms
import Pipeline

extension APIServer {
    var eventRoutes: [APIRoute] {
        [
            APIRoute(.get, "/v1/jobs/{id}/events", .read) { request, context in
                let job = try await ownedJob(context)
                if wantsStream(request) { return streamJobEvents(job, request) }
                return try await eventPage(job, request)
            },
            APIRoute(.get, "/v1/events", .read) { request, context in
                let tenant = try context.caller.tenant
                var start = try streamStart(request) ?? 0
                if try streamStart(request) == nil, wantsStream(request) { start = try await store.lastEventID(tenant: tenant) }
                if wantsStream(request) { return streamTenantEvents(tenant, after: start) }
                let limit = try limitParameter(request, default: 100, max: 500)
                let events = try await store.tenantEvents(tenant: tenant, after: start, limit: limit)
                let next: Any = events.count == limit ? String(events.last!.id) : NSNull()
                return try JSONResponse.make(["events": events.map(Views.event), "next_cursor": next])
            },
        ]
    }

    func wantsStream(_ request: Request) -> Bool {
        request.headers[.accept]?.contains("text/event-stream") ?? false
    }

    func limitParameter(_ request: Request, default value: Int, max: Int) throws -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return value }
        guard let limit = Int(text), (1...max).contains(limit) else { throw Problem.badRequest("limit must be 1 to \(max)") }
        return limit
    }

    /// `Last-Event-ID` (what an EventSource sends when it reconnects), else `after`.
    func streamStart(_ request: Request) throws -> Int64? {
        let query: String? = request.uri.queryParameters.get("after").map { String($0) }
        guard let text = request.headers[.lastEventID] ?? query else { return nil }
        guard let id = Int64(text), id >= 0 else { throw Problem.badRequest("Last-Event-ID / after must be an event id") }
        return id
    }

    /// A page of a job's history: newest first unless `order=asc`; `cursor` is the last id seen.
    private func eventPage(_ job: Job, _ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        let order = parameters.get("order") ?? "desc"
        guard order == "asc" || order == "desc" else { throw Problem.badRequest("order must be asc or desc") }
        let limit = try limitParameter(request, default: 100, max: 500)
        var cursor: Int64?
        if let text = parameters.get("cursor") {
            guard let id = Int64(text) else { throw Problem.badRequest("cursor must be an event id") }
            cursor = id
        }
        let descending = order == "desc"
        let events = try await store.events(of: job.id, after: descending ? nil : cursor, before: descending ? cursor : nil,
                                            descending: descending, limit: limit)
        let next: Any = events.count == limit ? String(events.last!.id) : NSNull()
        return try JSONResponse.make(["events": events.map(Views.event), "next_cursor": next])
    }

    /// Server-Sent Events of one job: its history after `Last-Event-ID`, then each new event as
    /// it commits; the stream ends once the job is final and every event was sent.
    private func streamJobEvents(_ job: Job, _ request: Request) -> Response {
        let start = Int64(request.headers[.lastEventID] ?? "0") ?? 0
        return sse { send in
            var last = start
            while !events.isClosed {
                let seen = events.generation
                let batch = try await store.events(of: job.id, after: last, before: nil, descending: false, limit: 500)
                for event in batch { try await send(event) }
                last = batch.last?.id ?? last
                if batch.count == 500 { continue }
                if batch.isEmpty, let current = try await store.job(job.id), current.status.isFinal {
                    // A final job writes nothing more unless redriven; re-check once so the last events are not missed.
                    let tail = try await store.events(of: job.id, after: last, before: nil, descending: false, limit: 500)
                    for event in tail { try await send(event) }
                    if tail.isEmpty { return }
                    last = tail.last!.id
                    continue
                }
                await events.wait(after: seen, timeout: pollInterval)
            }
        }
    }

    /// The tenant's events as they commit. `named: false` sends them without an `event:` line
    /// (the dashboard's script then hears every type through one `message` handler).
    func streamTenantEvents(_ tenant: String, after start: Int64, named: Bool = true) -> Response {
        sse(named: named) { send in
            var last = start
            while !events.isClosed {
                let seen = events.generation
                let batch = try await store.tenantEvents(tenant: tenant, after: last, limit: 500)
                for event in batch { try await send(event) }
                last = batch.last?.id ?? last
                if batch.count < 500 { await events.wait(after: seen, timeout: pollInterval) }
            }
        }
    }

    /// How often a stream re-reads when no notification came: PostgreSQL notifies at commit, so
    /// this is only its safety net; SQLite has no notifications, so it is the latency.
    private var pollInterval: Duration { store.notifiesEvents ? .seconds(2) : .milliseconds(100) }

    /// A `text/event-stream` response; `body` sends events until it returns. The events go
    /// through a channel with back-pressure to the writer, so a slow client slows the reads, and
    /// a client that leaves cancels them. A comment line after 15 s of silence keeps proxies from
    /// closing an idle stream.
    private func sse(named: Bool = true, _ body: @escaping @Sendable (_ send: @escaping @Sendable (Event) async throws -> Void) async throws -> Void) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                let channel = AsyncChannel<ByteBuffer>()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        defer { channel.finish() }
                        await channel.send(ByteBuffer(string: ": stream open\n\n"))
                        try await body { event in
                            let data = try JSONText.data(Views.event(event))
                            let name = named ? "event: \(event.type)\n" : ""
                            await channel.send(ByteBuffer(string: "id: \(event.id)\n\(name)data: \(String(decoding: data, as: UTF8.self))\n\n"))
                        }
                    }
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: .seconds(15))
                            await channel.send(ByteBuffer(string: ": keep-alive\n\n"))
                        }
                    }
                    for await buffer in channel { try await writer.write(buffer) }
                    group.cancelAll()
                }
                try await writer.finish(nil)
            })
    }
}
