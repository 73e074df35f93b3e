import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import Pipeline
#if canImport(Glibc)
import Glibc
#endif

/// The job commands as a user runs them: output, exit status, metrics, and no password anywhere.
struct CommandLineTests {
    /// Runs `runner ARGS` to the end. - Returns: exit status and combined output.
    static func runner(_ arguments: [String], databaseURL: String) async throws -> (status: Int32?, output: String) {
        let process = try RunnerProcess(arguments, databaseURL: databaseURL)
        let status = try await process.wait(timeout: .seconds(60))
        return (status, process.log)
    }

    static func json(_ text: String) throws -> Any {
        let start = try #require(text.firstIndex { $0 == "{" || $0 == "[" })
        return try JSONSerialization.jsonObject(with: Data(text[start...].utf8))
    }

    @Test func jobCommandsDriveAJobThroughDeadRedriveAndCancel() async throws {
        let test = try await TestStore.make(.postgres)
        let url = test.url
        let enqueued = try await Self.runner(
            ["enqueue", "--workflow", "fail", "--max-attempts", "1", "--json", #"{"sleep_ms":1}"#], databaseURL: url)
        #expect(enqueued.status == 0)
        let rows = try #require(try Self.json(enqueued.output) as? [[String: Any]])
        let id = try #require(rows.first?["id"] as? String)
        #expect(rows.first?["created"] as? Bool == true)

        let again = try await Self.runner(["enqueue", "--workflow", "fail", "--max-attempts", "1", #"{"sleep_ms":1}"#],
                                          databaseURL: url)
        #expect(again.output.contains("\(id)\texists"))

        let worked = try await Self.runner(["worker", "--exit-when-idle", "--poll-interval", "100ms"], databaseURL: url)
        #expect(worked.status == 0)

        let status = try await Self.runner(["status", id, "--json"], databaseURL: url)
        let job = try #require(try Self.json(status.output) as? [String: Any])
        #expect(job["status"] as? String == "dead")
        #expect((job["error"] as? [String: Any])?["code"] as? String == "planned_failure")
        #expect((job["steps"] as? [[String: Any]])?.first?["status"] as? String == "failed")

        let human = try await Self.runner(["status", id], databaseURL: url)
        #expect(human.output.contains("dead, attempt 1 of 1") && human.output.contains("step1"))

        let events = try await Self.runner(["events", id, "--json"], databaseURL: url)
        let types = try #require(try Self.json(events.output) as? [[String: Any]]).compactMap { $0["type"] as? String }
        #expect(types == ["job.enqueued", "job.started", "step.started", "step.failed", "job.dead"])

        let cannotCancel = try await Self.runner(["cancel", id], databaseURL: url)
        #expect(cannotCancel.status != 0 && cannotCancel.output.contains("it is dead"))
        let retried = try await Self.runner(["retry", id], databaseURL: url)
        #expect(retried.status == 0 && retried.output.contains("was dead"))
        let cancelled = try await Self.runner(["cancel", id], databaseURL: url)
        #expect(cancelled.status == 0 && cancelled.output.contains("was queued"))

        let list = try await Self.runner(["jobs", "--status", "cancelled", "--json"], databaseURL: url)
        let listed = try #require(try Self.json(list.output) as? [String: Any])
        #expect((listed["counts"] as? [String: Int])?["cancelled"] == 1)
        #expect((listed["jobs"] as? [[String: Any]])?.first?["id"] as? String == id)
        await test.store.close()
    }

    @Test func passwordsNeverAppearInErrors() async throws {
        let real = try TestEnvironment.databaseURL()
        let secret = "Sup3rSecretValue"
        let hostPart = try #require(real.split(separator: "@").last)
        let urls = [
            "postgres://runner:\(secret)@\(hostPart)",
            "postgres://runner:\(secret)@127.0.0.1:1/runner",
            "mysql://runner:\(secret)@localhost/db",
        ]
        for url in urls {
            let result = try await Self.runner(["jobs"], databaseURL: url)
            #expect(result.status != 0)
            #expect(!result.output.contains(secret), "\(result.output)")
            let flag = try await Self.runner(["jobs", "--database-url", url], databaseURL: "sqlite:/nonexistent/x")
            #expect(flag.status != 0 && !flag.output.contains(secret))
        }
    }

    /// A password with an unescaped `@`: libpq would take its tail for the host name and print
    /// it; no part of the password may appear, and the user is told how to write it.
    @Test func passwordWithUnescapedAtIsNeverPrinted() async throws {
        for url in ["postgres://runner:Sup3rPart@SecretTail@127.0.0.1:1/runner", "mysql://runner:Sup3rPart@SecretTail@localhost/db"] {
            for (arguments, environment) in [(["jobs"], url), (["jobs", "--database-url", url], "sqlite:/nonexistent/x")] {
                let result = try await Self.runner(arguments, databaseURL: environment)
                #expect(result.status != 0)
                #expect(!result.output.contains("Sup3rPart") && !result.output.contains("SecretTail"), "\(result.output)")
                if url.hasPrefix("postgres") { #expect(result.output.contains("%40"), "\(result.output)") }
            }
        }
    }

    @Test func theWorkerServesPrometheusMetrics() async throws {
        let test = try await TestStore.make(.postgres)
        let port = TestCluster.freePort()
        let worker = try RunnerProcess.worker(databaseURL: test.url, ["--metrics-port", String(port)])
        let id = try await test.store.enqueue("noop", #"{"metrics":true}"#)
        let stepped = try await test.store.enqueue("sleep", #"{"steps":1}"#)
        #expect(try await eventually(timeout: .seconds(30)) {
            let first = try await test.store.job(id)?.status
            let second = try await test.store.job(stepped)?.status
            return first == .succeeded && second == .succeeded
        })
        var body = ""
        _ = try await eventually(timeout: .seconds(10)) {
            guard let (data, _) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
            else { return false }
            body = String(decoding: data, as: UTF8.self)
            return body.contains("runner_jobs_succeeded_total")
        }
        #expect(body.contains("runner_jobs_claimed_total"))
        #expect(body.contains(#"runner_jobs_succeeded_total{workflow="noop"} 1"#))
        #expect(body.contains("runner_step_duration_seconds"))
        worker.signal(SIGTERM)
        #expect(try await worker.wait(timeout: .seconds(15)) == 0)
        await test.store.close()
    }
}
