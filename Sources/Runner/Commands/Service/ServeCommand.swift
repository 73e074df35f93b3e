import ArgumentParser
import Foundation
import Logging
import Metrics
import Pipeline
import Prometheus
import Providers
import Service

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API (/v1): jobs, uploads, events (SSE), assets, /healthz, /readyz, /metrics.",
        discussion: """
            With DATABASE_URL (PostgreSQL) the server only enqueues, reads and controls jobs: run `runner worker`s on \
            the same database and output store. On the embedded SQLite store it also runs a worker in process \
            (unless --no-worker). Requests carry `Authorization: Bearer KEY` (runner keys create).
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port, printed at start).") var port = 8080
    @Option(name: .customLong("out"), help: "Output store shared with the workers: a folder or s3://BUCKET/PREFIX.")
    var output = "out"
    @Option(help: "S3 endpoint for --out s3://… (default: AWS_ENDPOINT_URL).") var endpoint: String?
    @Flag(name: .customLong("no-worker"), help: "Do not run jobs in this process (embedded store only; PostgreSQL never does).")
    var noWorker = false
    @Flag(name: .customLong("no-auth"), help: "For local use only: no API keys, every request is the 'local' tenant's. Loopback only.")
    var noAuth = false
    @Option(name: .customLong("rate-limit"), help: "Requests a second per API key (0: unlimited); bursts of twice that.")
    var rateLimit: Double = 50
    @Option(name: .customLong("max-upload-mb"), help: "Largest uploaded file, in MiB.") var maxUploadMB = 2048
    @Option(help: "Jobs the embedded worker runs at once.") var concurrency = 2
    @Option(name: .customLong("shutdown-grace"), help: "On SIGTERM, how long in-flight requests and jobs may take.")
    var shutdownGrace = "10s"
    @Option(name: .customLong("webhook-allow-host"),
            help: "A host that webhooks and url inputs may reach although its address is loopback, private, link-local…; repeatable. Adds to WEBHOOK_ALLOW_HOSTS.")
    var webhookAllowHosts: [String] = []
    @Option(name: .customLong("public-url"),
            help: "This server's public base URL (default: PUBLIC_URL), e.g. https://api.example.com: Rev.ai then calls back at <url>/v1/callbacks/revai/{token} instead of being polled.")
    var publicURL: String?

    func validate() throws {
        var configuration = ServiceConfiguration()
        configuration.host = host
        if noAuth && !configuration.isLoopback {
            throw ValidationError("--no-auth is only allowed on a loopback address (--host 127.0.0.1), not \(host)")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard rateLimit >= 0 else { throw ValidationError("--rate-limit must not be negative") }
        guard maxUploadMB >= 1 else { throw ValidationError("--max-upload-mb must be at least 1") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard parseDuration(shutdownGrace) != nil else { throw ValidationError("--shutdown-grace: not a duration: \(shutdownGrace)") }
        try validatePublicURL(publicURL ?? ProcessInfo.processInfo.environment["PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 })
    }

    func run() async throws {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "runner.serve")
        let url = store.resolvedURL
        let embedded = !url.hasPrefix("postgres")
        var options = ServeOptions(databaseURL: url, output: output, endpoint: endpoint, embeddedWorker: embedded && !noWorker)
        options.service.host = host
        options.service.port = port
        options.service.noAuth = noAuth
        options.service.rateLimit = rateLimit
        options.service.rateBurst = max(1, rateLimit * 2)
        options.service.maxUploadBytes = Int64(maxUploadMB) << 20
        options.service.shutdownGrace = parseDuration(shutdownGrace)!
        options.worker.concurrency = concurrency
        if let publicURL { options.publicURL = publicURL }
        options.worker.shutdownGrace = parseDuration(shutdownGrace)!
        options.webhooks.policy = OutboundURLPolicy(allowedHosts: Array(options.webhooks.policy.allowedHosts) + webhookAllowHosts)
        let host = self.host
        let noAuth = self.noAuth
        try await runService(options, registry: registry, logger: logger) { port in
            // One line on standard output, so scripts and tests can read the address.
            print("listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)\(noAuth ? " (no auth: local use only)" : "")")
            fflush(nil)
        }
    }
}

/// Refuses a `--public-url` that is not an absolute http(s) URL without user-info, query or fragment.
func validatePublicURL(_ text: String?) throws {
    guard let text else { return }
    guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
          let host = url.host, !host.isEmpty, url.user == nil, url.password == nil, url.query == nil, url.fragment == nil
    else { throw ValidationError("--public-url (PUBLIC_URL) must be an http(s) base URL such as https://api.example.com, not \(text)") }
}
