import Foundation

/// Everything `S3Storage` needs: where, who, and how hard to push.
package struct S3Configuration: Sendable {
    package var endpoint: S3Endpoint
    package var region: String
    package var credentials: AWSCredentials
    /// Size of each multipart part (the last one may be smaller). Real S3 wants ≥ 5 MiB.
    package var partSize: Int64
    /// Files larger than this go multipart; nil means `partSize`.
    package var multipartThreshold: Int64?
    /// Requests in flight at once for this store (parts and whole files together).
    package var concurrency: Int
    /// Hash every part and sign it; otherwise parts are sent as `UNSIGNED-PAYLOAD` (single
    /// PUTs are always signed with the SHA-256 computed for the metadata anyway).
    package var signPayload: Bool
    /// The additional checksum sent with every upload (S3's flexible checksums): declared at
    /// CreateMultipartUpload, sent with each part and single PUT, listed at Complete and checked
    /// against the composite S3 answers. CRC32C by default; nil sends none (for compatibles
    /// that refuse the headers).
    package var checksumAlgorithm: ChecksumAlgorithm?
    package var retry: RetryPolicy
    package var connectTimeout: Duration

    package static let defaultPartSize: Int64 = 8 << 20
    /// The smallest part real S3 accepts (except the last).
    package static let minimumPartSize: Int64 = 5 << 20

    package init(
        endpoint: S3Endpoint, region: String, credentials: AWSCredentials, partSize: Int64 = defaultPartSize,
        multipartThreshold: Int64? = nil, concurrency: Int = 8, signPayload: Bool = false,
        checksumAlgorithm: ChecksumAlgorithm? = .crc32c, retry: RetryPolicy = RetryPolicy(), connectTimeout: Duration = .seconds(10)
    ) {
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.partSize = partSize
        self.multipartThreshold = multipartThreshold
        self.concurrency = max(1, concurrency)
        self.signPayload = signPayload
        self.checksumAlgorithm = checksumAlgorithm
        self.retry = retry
        self.connectTimeout = connectTimeout
    }

    /// Reads `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`
    /// (then `AWS_DEFAULT_REGION`, then `us-east-1`) and `AWS_ENDPOINT_URL`; `endpoint` and
    /// `region` (flags) win over the environment. Custom endpoints are addressed by path; AWS by
    /// virtual host unless `pathStyle`. `S3_PART_SIZE` (bytes, at least 5 MiB) and
    /// `S3_CONCURRENCY` (requests in flight) tune multipart uploads; `S3_CHECKSUM_ALGORITHM`
    /// (`CRC32C`, the default, `CRC32`, `SHA256` or `none`) chooses the additional checksum.
    /// - Throws: `ProviderError.missingConfiguration` naming the missing variable, or
    ///   `StorageError.invalidConfiguration` for a malformed endpoint.
    package static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment, endpoint: String? = nil,
        region: String? = nil, pathStyle: Bool = false
    ) throws -> S3Configuration {
        let env = ProviderEnvironment(environment)
        guard let credentials = AWSCredentials.fromEnvironment(environment) else {
            let missing = env.optional("AWS_ACCESS_KEY_ID") == nil ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"
            throw ProviderError(
                .missingConfiguration, provider: "s3", message: "\(missing) is not set; export it to use S3")
        }
        let region = region ?? env.optional("AWS_REGION") ?? env.optional("AWS_DEFAULT_REGION") ?? "us-east-1"
        let endpoint =
            try (endpoint ?? env.optional("AWS_ENDPOINT_URL")).map { try S3Endpoint(url: $0, addressing: .path) }
            ?? S3Endpoint.aws(region: region, pathStyle: pathStyle)
        var configuration = S3Configuration(endpoint: endpoint, region: region, credentials: credentials)
        if let text = env.optional("S3_PART_SIZE") {
            guard let size = Int64(text), size >= minimumPartSize else {
                throw StorageError.invalidConfiguration("S3_PART_SIZE must be a number of bytes of at least \(minimumPartSize) (5 MiB)")
            }
            configuration.partSize = size
        }
        if let text = env.optional("S3_CONCURRENCY") {
            guard let concurrency = Int(text), concurrency >= 1 else {
                throw StorageError.invalidConfiguration("S3_CONCURRENCY must be a whole number of at least 1")
            }
            configuration.concurrency = concurrency
        }
        if let text = env.optional("S3_CHECKSUM_ALGORITHM") {
            if text.lowercased() == "none" {
                configuration.checksumAlgorithm = nil
            } else {
                guard let algorithm = ChecksumAlgorithm(name: text) else {
                    throw StorageError.invalidConfiguration("S3_CHECKSUM_ALGORITHM must be CRC32C, CRC32, SHA256 or none")
                }
                configuration.checksumAlgorithm = algorithm
            }
        }
        return configuration
    }
}
