import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

extension FakeRevAI {
    /// Where a job's notification goes: `notification_config {url, auth_headers}` or the older
    /// `callback_url`.
    static func notification(_ options: [String: Any]) -> (url: String, headers: [String: String])? {
        if let config = options["notification_config"] as? [String: Any], let url = config["url"] as? String, !url.isEmpty {
            return (url, config["auth_headers"] as? [String: String] ?? [:])
        }
        if let url = options["callback_url"] as? String, !url.isEmpty { return (url, [:]) }
        return nil
    }

    /// A job reached `transcribed` or `failed`: POSTs `{"job": …}` to its notification URL, as
    /// Rev.ai does, on a task of its own (the fake's answers never wait for it), each attempt
    /// with a timeout, retried after `callbackRetryDelay` until a 200 or `callbackAttempts`.
    func notifyFinished(_ job: Job) {
        guard let target = job.notification, options.callbacks else { return }
        let body = (try? JSONSerialization.data(withJSONObject: ["job": jobJSON(job)], options: [.sortedKeys])) ?? Data()
        let options = self.options
        let jobID = job.id
        Task { [self] in
            for attempt in 1...max(1, options.callbackAttempts) {
                if attempt > 1 { try? await Task.sleep(for: options.callbackRetryDelay) }
                let status = await FakeCallbackClient.post(target.url, headers: target.headers, body: body, timeout: options.callbackTimeout)
                recordCallback(FakeRevAI.Callback(jobID: jobID, url: target.url, status: status, attempt: attempt))
                if status == 200 { return }
            }
        }
    }
}

/// The fake's one outbound call: an HTTP/1.1 POST over plain TCP (callbacks go to loopback
/// receivers in tests and demos; https is not supported), with a timeout on the whole exchange.
enum FakeCallbackClient {
    /// - Returns: the response status, or nil when the URL is unusable, the connection failed or
    ///   no answer came within `timeout`.
    static func post(_ url: String, headers: [String: String], body: Data, timeout: Duration) async -> Int? {
        guard let parts = URLComponents(string: url), parts.scheme?.lowercased() == "http", let host = parts.host else { return nil }
        let port = parts.port ?? 80
        let path = (parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath) + (parts.percentEncodedQuery.map { "?" + $0 } ?? "")
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(Int64(timeout.components.seconds * 1000 + 1)))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            return nil
        }
        // Closing the channel at the deadline ends the read below if the receiver never answers.
        let raw = channel.channel
        let timer = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            try? await raw.close()
        }
        defer { timer.cancel() }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
                head.headers.add(name: "Host", value: parts.port.map { "\(host):\($0)" } ?? host)
                head.headers.add(name: "Content-Type", value: "application/json")
                head.headers.add(name: "Content-Length", value: "\(body.count)")
                head.headers.add(name: "Connection", value: "close")
                head.headers.add(name: "User-Agent", value: "RevAi-Callback/fake")
                for (name, value) in headers { head.headers.replaceOrAdd(name: name, value: value) }
                try await outbound.write(.head(head))
                try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                try await outbound.write(.end(nil))
                for try await part in inbound {
                    if case .head(let response) = part { return Int(response.status.code) }
                }
                return nil
            }
        } catch {
            return nil
        }
    }
}
