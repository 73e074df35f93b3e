import FakeProviders
import Foundation
import TestSupport
import Logging
import Testing
@testable import Pipeline
@testable import Providers

/// The same workflows on the shared setup: PostgreSQL (scripts/services/postgres.sh) and the
/// S3-compatible server with signature checking (scripts/services/moto.sh). Outputs are read
/// back with botocore, an independent client. Missing servers fail the test.
@Suite(.serialized)
struct ProcessFleetTests {
    @Test func postgresAndS3RunTheSameWorkflowsWithTheSameLayout() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let bucket = env["S3_TEST_BUCKET"], env["AWS_ENDPOINT_URL"] != nil else {
            Issue.record("S3_TEST_BUCKET/AWS_ENDPOINT_URL unset: run through scripts/test.sh, which starts moto_server")
            return
        }
        let databaseURL = try await TestEnvironment.freshPostgresSchema()
        let prefix = "workflows-\(UUID().uuidString.lowercased().prefix(8))"
        let storage = S3Storage(configuration: try S3Configuration.fromEnvironment(), bucket: bucket, prefix: prefix)
        let root = NSTemporaryDirectory() + "process-fleet-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/in", withIntermediateDirectories: true)
        for name in ["lighthouse.txt", "welcome.mp3"] {
            try FileManager.default.copyItem(atPath: TextExtractionTests.uploads + "/" + name, toPath: root + "/in/" + name)
        }
        let fakes = try await FakeProviders.start()
        let providers = ProviderEnvironment(["REVAI_ACCESS_TOKEN": fakes.keys.revai, "REVAI_BASE_URL": fakes.baseURL])
        let services = WorkflowServices(storage: storage, environment: providers, logger: Logger(label: "test"), scratch: root + "/scratch")
        var options = BatchProcess.Options(inputDirectory: root + "/in", localOutput: nil, databaseURL: databaseURL)
        options.chunkSeconds = 10
        let report = try await BatchProcess(options: options, services: services).run { _ in }
        await fakes.shutdown()
        #expect(report.files.count == 2)
        #expect(report.files.allSatisfy { $0.status == "succeeded" }, "\(report.files.map { $0.error ?? "" })")
        for file in report.files {
            let jobID = try #require(file.jobID)
            #expect(file.manifest == "s3://\(bucket)/\(prefix)/jobs/\(jobID)/manifest.json")
            // botocore reads the manifest and every asset it lists, and checks size and SHA-256.
            let script = """
                import boto3, hashlib, json, os, sys
                s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
                b, p = sys.argv[1], sys.argv[2]
                m = json.loads(s3.get_object(Bucket=b, Key=p + "/jobs/" + sys.argv[3] + "/manifest.json")["Body"].read())
                kinds = set()
                for a in m["assets"]:
                    body = s3.get_object(Bucket=b, Key=p + "/" + a["key"])["Body"].read()
                    assert hashlib.sha256(body).hexdigest() == a["sha256"] and len(body) == a["bytes"], a["key"]
                    kinds.add(a["kind"])
                print(" ".join(sorted(kinds)))
                """
            let kinds = try await Self.python(script, bucket, prefix, jobID)
            if file.workflow == "narrate" {
                #expect(kinds.contains("audio") && kinds.contains("audiobook") && kinds.contains("segment_audio") && kinds.contains("markup"), "\(kinds)")
            } else {
                #expect(kinds.contains("chunk") && kinds.contains("captions_srt") && kinds.contains("transcript"), "\(kinds)")
            }
        }
    }

    static func python(_ script: String, _ arguments: String...) async throws -> String {
        let result = try await Command.run(["python3", "-c", script] + arguments)
        #expect(result.status == 0, "\(result.errors)")
        return result.output
    }
}
