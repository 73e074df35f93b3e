import Foundation

/// The generic SigV4 test suite (`Vectors/sigv4-test-suite.json`).
struct SuiteVectors: Decodable, Sendable {
    struct Config: Decodable, Sendable {
        var service, region, accessKeyId, secretAccessKey, amzDate: String
    }

    struct Request: Decodable, Sendable {
        var method, path, query, body: String
        var headers: [[String]]
    }

    struct Case: Decodable, Sendable, CustomStringConvertible {
        var name: String
        var normalize: Bool
        var request: Request
        var creq, sts, authz: String
        var description: String { name }
    }

    var config: Config
    var tests: [Case]

    static func load() -> SuiteVectors { VectorFile.decode("sigv4-test-suite") }
}

/// The S3 documentation's example signatures (`Vectors/s3-example-signatures.json`).
struct S3Vectors: Decodable, Sendable {
    struct Config: Decodable, Sendable {
        var accessKeyId, secretAccessKey, region, service, date, host: String
    }

    struct Case: Decodable, Sendable, CustomStringConvertible {
        var name, method, key, body, signedHeaders, signature: String
        var query: [[String]]
        var headers: [[String]]
        var canonicalRequest: String?
        var stringToSignHash: String?
        var description: String { name }
    }

    var config: Config
    var tests: [Case]

    static func load() -> S3Vectors { VectorFile.decode("s3-example-signatures") }
}

enum VectorFile {
    /// Decodes a committed vector file; a missing or malformed file is a broken checkout, so it
    /// stops the test run with the file's name.
    static func decode<T: Decodable>(_ name: String) -> T {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors"),
            let data = try? Data(contentsOf: url)
        else { fatalError("test vector file Vectors/\(name).json is missing") }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            fatalError("test vector file Vectors/\(name).json is malformed: \(error)")
        }
    }
}
