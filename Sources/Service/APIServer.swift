import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Pipeline
import Prometheus
import Providers
import ServiceLifecycle

/// How `runner serve` runs: where it listens, who may call it, and its limits.
public struct ServiceConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Without keys: every request is the `local` tenant's. Only allowed on loopback.
    public var noAuth = false
    /// Requests a second per API key (0: no limit), and the burst allowed above it.
    public var rateLimit: Double = 50
    public var rateBurst: Double = 100
    /// Largest file a `PUT /v1/uploads/{id}/files/{name}` accepts.
    public var maxUploadBytes: Int64 = 2 << 30
    /// Largest text a narrate job takes inline.
    public var maxTextBytes = 1 << 20
    /// Connections idle (no request, or a request that stopped sending) longer than this are closed.
    public var idleTimeout: Duration = .seconds(60)
    /// On SIGTERM: how long in-flight requests may take before the server closes them.
    public var shutdownGrace: Duration = .seconds(10)
    /// How long a presigned S3 URL (direct upload, asset download) stays valid.
    public var presignedLifetime: Duration = .seconds(900)
    /// Where uploads are written before they go to the object store.
    public var scratch = NSTemporaryDirectory()
    /// Which hosts a webhook subscription or a job's `url` input may name (SSRF protection:
    /// public addresses, plus the operator's allow-list, `WEBHOOK_ALLOW_HOSTS`).
    package var outboundPolicy = OutboundURLPolicy.fromEnvironment()
    /// Values that must never be logged or answered (keys and passwords of the environment).
    public var secrets: [String] = []
    /// How long a rotated webhook secret keeps signing.
    public var webhookSecretGrace: Duration = .seconds(24 * 3600)

    public init() {}

    /// Whether `host` is a loopback address (where `--no-auth` is allowed).
    public var isLoopback: Bool { ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.") }
}

/// The HTTP API over the job engine: it enqueues, reads and controls jobs; workers run them.
public struct APIServer: Sendable {
    let store: any ServiceStore
    let storage: any ObjectStorage
    let configuration: ServiceConfiguration
    let registry: PrometheusCollectorRegistry
    let logger: Logger
    let limiter: RateLimiter
    let keys = KeyCache()
    let events: EventWakeups
    let enqueuer: EnqueueCoalescer

    package init(store: any ServiceStore, storage: any ObjectStorage, configuration: ServiceConfiguration,
                 registry: PrometheusCollectorRegistry, logger: Logger) {
        self.store = store
        self.storage = storage
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
        self.limiter = RateLimiter(rate: configuration.rateLimit, burst: configuration.rateBurst)
        self.events = EventWakeups()
        self.enqueuer = EnqueueCoalescer(store: store)
        let events = self.events
        store.onEvents { events.wake() }
    }

    /// Every route of the API, as the OpenAPI document names them (the tests compare the two).
    var routes: [APIRoute] {
        operationRoutes + jobRoutes + eventRoutes + assetRoutes + uploadRoutes + scheduleRoutes + hookRoutes + taskRoutes + webhookRoutes + callbackRoutes
    }

    /// The paths and methods served, as `METHOD /path` (OpenAPI path templates).
    package var routeList: [String] { routes.map { "\($0.method.rawValue) \($0.path)" } }

    func router() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware(logger: logger, secrets: configuration.secrets))
        for route in routes {
            router.on(RouterPath(route.path), method: route.method) { request, context in
                var context = context
                if route.access != .open { context.principal = try await authenticate(request, write: route.access == .write) }
                return try await route.handler(request, context)
            }
        }
        // The browser's pages (not part of the API contract: cookie sessions, HTML).
        addDashboard(to: router)
        return router
    }

    /// Builds the application; `onRunning` gets the bound port (useful with port 0).
    package func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let idle = TimeAmount.milliseconds(Int64(configuration.idleTimeout.components.seconds * 1000))
        return Application(
            router: router(),
            server: .http1(configuration: .init(idleTimeout: idle)),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "runner"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    private func authenticate(_ request: Request, write: Bool) async throws -> Principal {
        let principal: Principal
        if configuration.noAuth {
            principal = Principal(tenant: "local", readOnly: false, keyID: "local")
        } else {
            guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
                  case let key = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces), !key.isEmpty
            else {
                throw Problem(.unauthorized, "unauthorized", "send an API key as 'Authorization: Bearer KEY' (runner keys create)",
                              headers: [.wwwAuthenticate: "Bearer"])
            }
            let hash = APIKeys.hash(key)
            let found: APIKeyRecord?
            if let cached = keys.record(hash) {
                found = cached
            } else {
                found = try await store.key(hash: hash)
                if let found { keys.remember(found, for: hash) }
            }
            guard let record = found else {
                throw Problem(.unauthorized, "unauthorized", "the API key is unknown or revoked", headers: [.wwwAuthenticate: "Bearer"])
            }
            principal = Principal(tenant: record.tenant, readOnly: record.readOnly, keyID: record.id)
        }
        if let wait = limiter.take(principal.keyID) {
            throw Problem(.tooManyRequests, "rate_limited", "too many requests for this key; retry in \(wait) s",
                          headers: [.retryAfter: String(wait)])
        }
        if write && principal.readOnly {
            throw Problem(.forbidden, "read_only", "this API key is read-only")
        }
        return principal
    }
}

/// One route: method, OpenAPI path template, who may call it, and its handler.
struct APIRoute: Sendable {
    enum Access: Sendable { case open, read, write }
    let method: HTTPRequest.Method
    let path: String
    let access: Access
    let handler: @Sendable (Request, APIContext) async throws -> Response

    init(_ method: HTTPRequest.Method, _ path: String, _ access: Access,
         _ handler: @escaping @Sendable (Request, APIContext) async throws -> Response) {
        self.method = method
        self.path = path
        self.access = access
        self.handler = handler
    }
}

extension APIContext {
    /// The authenticated caller (every non-open route has one).
    var caller: Principal {
        get throws {
            guard let principal else { throw Problem(.unauthorized, "unauthorized", "authentication required") }
            return principal
        }
    }
}
