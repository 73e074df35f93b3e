import Foundation
import Hummingbird
import Logging
import Pipeline
import Prometheus
import Providers
import ServiceLifecycle
import UnixSignals

/// Everything `runner serve` starts: the API, and on the embedded store an in-process worker.
package struct ServeOptions: Sendable {
    package var databaseURL: String
    package var output: String
    package var endpoint: String?
    /// Run a worker in this process (the embedded default on SQLite).
    package var embeddedWorker: Bool
    package var worker = WorkerConfiguration()
    package var service = ServiceConfiguration()
    /// Outbound webhooks, and the hosts exempt from the address checks of webhooks and `url`
    /// inputs (API and embedded worker).
    package var webhooks = WebhookSettings.fromEnvironment()
    /// The server's public base URL (`--public-url`, `PUBLIC_URL`): the embedded worker has
    /// Rev.ai call back at `<public>/v1/callbacks/revai/{token}`. Nil: it polls.
    package var publicURL = ProcessInfo.processInfo.environment["PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// Where the embedded worker's provider clients take keys and base URLs (the process's environment).
    package var providerEnvironment = ProviderEnvironment()

    package init(databaseURL: String, output: String, endpoint: String?, embeddedWorker: Bool) {
        self.databaseURL = databaseURL
        self.output = output
        self.endpoint = endpoint
        self.embeddedWorker = embeddedWorker
    }
}

/// Runs the service until SIGTERM or SIGINT: then it stops accepting connections, closes live
/// event streams, lets in-flight requests finish within the grace period, and (with an
/// embedded worker) finishes or releases running jobs.
/// - Parameter onRunning: gets the bound port once the server listens.
package func runService(_ options: ServeOptions, registry: PrometheusCollectorRegistry, logger: Logger,
                        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
    var options = options
    let store = try await openServiceStore(url: options.databaseURL, poolSize: 8)
    do {
        try await store.migrate()
        let scratch = try privateFolder(prefix: "runner-serve")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        options.service.scratch = scratch
        options.service.secrets = secretValues(databaseURL: options.databaseURL)
        options.service.outboundPolicy = options.webhooks.policy
        var services = try WorkflowServices.forOutput(options.output, endpoint: options.endpoint, logger: logger,
                                                      environment: options.providerEnvironment).services
        services.publicURL = options.publicURL
        // The offline recogniser, started on first use by the embedded worker, stopped at exit.
        services.outboundPolicy = options.service.outboundPolicy
        if options.embeddedWorker {
            services.localWhisper = LocalWhisperInstallation.find().map { LocalWhisperEngine(installation: $0, logger: logger) }
        }
        defer { if let engine = services.localWhisper { Task { await engine.shutdown() } } }
        let api = APIServer(store: store, storage: services.storage, configuration: options.service, registry: registry, logger: logger)
        var group: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if options.embeddedWorker {
            var workflows = WorkflowRegistry.builtIn
            workflows.registerMediaWorkflows(services)
            workflows.registerWebhooks(options.webhooks)
            group.append(.init(service: Worker(store: store, registry: workflows, configuration: options.worker, logger: logger)))
        } else if let triggers = store as? any TriggerStore {
            // The embedded worker fires schedules itself; without one the server does.
            group.append(.init(service: ScheduleTicker(store: triggers, source: "scheduler:serve-\(getpid())", logger: logger)))
        }
        group.append(.init(service: api.application(onRunning: onRunning)))
        // Last in the list, so it hears the shutdown first: open event streams end before the
        // server waits for its in-flight requests.
        group.append(.init(service: StreamCloser(events: api.events), successTerminationBehavior: .ignore))
        var configuration = ServiceGroupConfiguration(services: group, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = options.service.shutdownGrace
        try await ServiceGroup(configuration: configuration).run()
    } catch {
        await store.close()
        throw error
    }
    await store.close()
}

/// Ends every live event stream when graceful shutdown begins.
private struct StreamCloser: ServiceLifecycle.Service {
    let events: EventWakeups
    func run() async throws {
        try? await gracefulShutdown()
        events.close()
    }
}

/// A new folder only this user can enter (mkdtemp, mode 0700), for scratch files.
func privateFolder(prefix: String) throws -> String {
    var template = Array((NSTemporaryDirectory() + "/\(prefix).XXXXXX").utf8CString)
    guard let made = mkdtemp(&template) else {
        throw Problem(.internalServerError, "scratch", "cannot create a scratch folder under \(NSTemporaryDirectory())")
    }
    return String(cString: made)
}

/// The secret values of this process's configuration, which logs must never show.
func secretValues(databaseURL: String) -> [String] {
    let environment = ProcessInfo.processInfo.environment
    var secrets = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "REVAI_ACCESS_TOKEN", "GEMINI_API_KEY", "GOOGLE_API_KEY",
                   "OPENAI_API_KEY"].compactMap { environment[$0] }.filter { !$0.isEmpty }
    if let password = URLComponents(string: databaseURL)?.password, !password.isEmpty {
        secrets.append(password)
        secrets.append(password.removingPercentEncoding ?? password)
    }
    return secrets
}
