import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server on loopback (swift-nio, async channels) that hands each complete
/// request to `handler` and writes back its `FakeResponse`, including deliberate misbehaviour.
final class FakeHTTPServer: Sendable {
    typealias Handler = @Sendable (FakeRequest) async -> FakeResponse

    let port: Int
    private let channel: any Channel
    private let acceptLoop: Task<Void, Never>

    /// Binds `host:port` (port 0: a random free port) and starts accepting connections.
    static func start(host: String, port: Int, hangLimit: Duration, handler: @escaping Handler) async throws -> FakeHTTPServer {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        let boundPort = server.channel.localAddress?.port ?? port
        let loop = Task {
            _ = try? await server.executeThenClose { inbound in
                await withDiscardingTaskGroup { group in
                    do {
                        for try await connection in inbound {
                            group.addTask { await serve(connection, hangLimit: hangLimit, handler: handler) }
                        }
                    } catch {}
                    group.cancelAll()
                }
            }
        }
        return FakeHTTPServer(port: boundPort, channel: server.channel, acceptLoop: loop)
    }

    private init(port: Int, channel: any Channel, acceptLoop: Task<Void, Never>) {
        self.port = port
        self.channel = channel
        self.acceptLoop = acceptLoop
    }

    /// Stops accepting, aborts open connections and waits for them to end.
    func shutdown() async {
        try? await channel.close()
        acceptLoop.cancel()
        await acceptLoop.value
    }

    private static func serve(
        _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, hangLimit: Duration,
        handler: Handler
    ) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let requestHead):
                    head = requestHead
                    body.clear()
                case .body(var chunk):
                    body.writeBuffer(&chunk)
                case .end:
                    guard let requestHead = head else { return }
                    let response = await handler(makeRequest(requestHead, body))
                    guard try await write(response, to: outbound, keepAlive: requestHead.isKeepAlive, hangLimit: hangLimit)
                    else { return }  // the connection must close
                }
            }
        }
    }

    /// Writes the response; returns false when the connection must be closed afterwards.
    private static func write(
        _ response: FakeResponse, to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, keepAlive: Bool,
        hangLimit: Duration
    ) async throws -> Bool {
        switch response.action {
        case .dropConnection:
            return false
        case .hang:
            try? await Task.sleep(for: hangLimit)
            return false
        case .respond, .truncate:
            var headers = HTTPHeaders()
            for (name, value) in response.headers { headers.add(name: name, value: value) }
            headers.replaceOrAdd(name: "Content-Length", value: "\(response.body.count)")
            let truncate = response.action == .truncate
            if truncate || !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
            let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
            try await outbound.write(.head(head))
            let sent = truncate ? response.body.prefix(response.body.count / 2) : response.body
            if !sent.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: sent)))) }
            if truncate { return false }
            try await outbound.write(.end(nil))
            return keepAlive
        }
    }

    private static func makeRequest(_ head: HTTPRequestHead, _ body: ByteBuffer) -> FakeRequest {
        let uri = head.uri
        let pathPart = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        var query: [String: String] = [:]
        if let queryStart = uri.firstIndex(of: "?") {
            for pair in uri[uri.index(after: queryStart)...].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                if let key = kv.first { query[key] = kv.count > 1 ? kv[1] : "" }
            }
        }
        var headers: [String: String] = [:]
        for (name, value) in head.headers { headers[name.lowercased()] = value }
        return FakeRequest(
            method: head.method.rawValue, path: pathPart.removingPercentEncoding ?? pathPart, query: query,
            headers: headers, body: Data(body.readableBytesView))
    }
}
