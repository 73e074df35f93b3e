import Foundation
import Logging
import Providers

extension WorkflowServices {
    /// Services writing to `output`: `s3://BUCKET/PREFIX` (credentials and endpoint from the
    /// `AWS_*` variables, `endpoint` overriding `AWS_ENDPOINT_URL`) or a local folder (created).
    /// The provider clients are built here, once for the process. `runner process` and a
    /// `runner worker` that runs the media workflows build theirs this way:
    ///
    /// ```swift
    /// var registry = WorkflowRegistry.builtIn
    /// registry.registerMediaWorkflows(try WorkflowServices.forOutput(out, logger: logger).services)
    /// ```
    /// - Parameters:
    ///   - providerLimits: requests in flight per provider (`--provider-limit`); with `store`,
    ///     they hold across every process sharing that store (leases in its database).
    ///   - store: the job store: keeps the fleet's provider leases and the state of multipart
    ///     uploads, so a restarted worker sends only the parts that are missing.
    /// - Returns: the services and, for a local folder, its standardised path.
    /// - Throws: `ProviderError` (missing AWS keys), `StorageError` (bad bucket or folder).
    package static func forOutput(_ output: String, endpoint: String? = nil, logger: Logger, speechConcurrency: Int = 8,
                                  providerLimits: ProviderLimits = ProviderLimits(), store: (any JobStore)? = nil,
                                  environment: ProviderEnvironment = ProviderEnvironment()) throws -> (services: WorkflowServices, localRoot: String?) {
        let fleet = providerLimits.values.isEmpty ? nil : store.flatMap { ProviderLeases(store: $0, logger: logger) }
        let providers = ProviderClients(environment: environment, limits: providerLimits, speechConcurrency: speechConcurrency,
                                        fleet: fleet, logger: logger)
        if let location = try S3Location(parsing: output) {
            let configuration = try S3Configuration.fromEnvironment(environment.values, endpoint: endpoint)
            let states: any UploadStateStore = store.map { JobStoreUploadStates(store: $0) } ?? NoUploadStateStore()
            let storage = S3Storage(configuration: configuration, bucket: location.bucket, prefix: location.prefix, stateStore: states,
                                    logger: logger)
            return (WorkflowServices(storage: storage, environment: environment, logger: logger, providers: providers), nil)
        }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let root = URL(fileURLWithPath: output).standardizedFileURL.path
        return (WorkflowServices(storage: try LocalStorage(root: root), environment: environment, logger: logger, providers: providers), root)
    }
}
