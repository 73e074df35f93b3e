import ArgumentParser
import Foundation
import Pipeline
import Providers
import Service

struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "Subscribe URLs to job events (signed outbound webhooks), list, rotate, delete, inspect.",
        subcommands: [Add.self, List.self, RotateSecret.self, Delete.self, Deliveries.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Subscribe URL to a tenant's job events; prints the signing secret once.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The receiver: an http(s) URL whose addresses are public (or a host in WEBHOOK_ALLOW_HOSTS).") var url: String
        @Option(help: "The tenant whose jobs are reported.") var tenant: String
        @Option(help: "Event types, comma-separated: job.succeeded,job.dead,step.* or * for all.") var events: String
        @Option(help: "A note shown in lists.") var description: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            let types = events.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !types.isEmpty else { throw ValidationError("--events: give at least one event type") }
            if let bad = types.first(where: { !WebhookEventTypes.isValid($0) }) {
                let known = (WebhookEventTypes.patterns + WebhookEventTypes.known).joined(separator: ", ")
                throw ValidationError("--events: unknown event type \(bad) (known: \(known))")
            }
        }

        func run() async throws {
            do {
                _ = try await OutboundURLPolicy.fromEnvironment().check(url)
            } catch {
                throw WebhooksCommand.failure(error.description + " (WEBHOOK_ALLOW_HOSTS lists hosts exempt from this check)")
            }
            let types = events.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let webhook = try await withServiceStore(store) {
                try await $0.createWebhook(NewWebhook(tenant: tenant, url: url, events: types, description: description,
                                                      secret: WebhookSignature.newSecret()))
            }
            if json {
                var view = WebhooksCommand.view(webhook)
                view["secret"] = webhook.secret
                printJSON(view)
            } else {
                print(webhook.secret)
                FileHandle.standardError.write(Data(
                    "created \(webhook.id) for tenant \(webhook.tenant) → \(webhook.url); the signing secret above is shown only now\n".utf8))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's subscriptions (never their secrets).")
        @OptionGroup var store: StoreOptions
        @Option(help: "The tenant.") var tenant: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let webhooks = try await withServiceStore(store) { try await $0.webhooks(tenant: tenant) }
            if json { return printJSON(webhooks.map(WebhooksCommand.view)) }
            for w in webhooks {
                print("\(w.id)\t\(w.disabled ? "disabled" : "enabled")\t\(w.events.joined(separator: ","))\t\(w.url)\(w.description.map { "\t\($0)" } ?? "")")
            }
        }
    }

    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-secret", abstract: "Give a subscription a new secret (printed once); the old one signs too during the grace period.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The subscription's id (wh_…).") var id: String
        @Option(help: "How long the old secret keeps signing, e.g. 24h, 30m, 0s.") var grace = "24h"
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard parseDuration(grace) != nil else { throw ValidationError("--grace: not a duration: \(grace)") }
        }

        func run() async throws {
            let seconds = Double(parseDuration(grace)!.components.seconds)
            let webhook = try await withServiceStore(store) { store -> Webhook in
                guard let current = try await store.webhook(id, tenant: nil),
                      let rotated = try await store.rotateWebhookSecret(id, tenant: current.tenant, secret: WebhookSignature.newSecret(),
                                                                        graceUntil: Date().addingTimeInterval(seconds))
                else { throw WebhooksCommand.failure("no webhook \(id)") }
                return rotated
            }
            if json {
                var view = WebhooksCommand.view(webhook)
                view["secret"] = webhook.secret
                printJSON(view)
            } else {
                print(webhook.secret)
                FileHandle.standardError.write(Data("rotated \(webhook.id); the previous secret signs too for \(grace)\n".utf8))
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a subscription and its delivery history.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The subscription's id (wh_…).") var id: String

        func run() async throws {
            let deleted = try await withServiceStore(store) { store -> Bool in
                guard let current = try await store.webhook(id, tenant: nil) else { return false }
                return try await store.deleteWebhook(id, tenant: current.tenant)
            }
            guard deleted else { throw WebhooksCommand.failure("no webhook \(id)") }
            print("deleted \(id)")
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A subscription's delivery attempts, newest first.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The subscription's id (wh_…).") var id: String
        @Option(help: "How many attempts.") var limit = 50
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let deliveries = try await withServiceStore(store) { store -> [WebhookDelivery] in
                guard let current = try await store.webhook(id, tenant: nil) else { throw WebhooksCommand.failure("no webhook \(id)") }
                return try await store.deliveries(webhook: id, tenant: current.tenant, before: nil, limit: max(1, min(limit, 500)))
            }
            let format = Date.ISO8601FormatStyle()
            if json {
                return printJSON(deliveries.map { d -> [String: Any] in
                    ["id": d.id, "job_id": d.attempt.jobID.uuidString.lowercased(), "event_id": d.attempt.eventID,
                     "message_id": d.attempt.messageID, "attempt": d.attempt.attempt, "status_code": d.attempt.statusCode ?? NSNull(),
                     "latency_ms": d.attempt.latencyMilliseconds ?? NSNull(), "error": d.attempt.error ?? NSNull(), "at": format.format(d.at)]
                })
            }
            for d in deliveries {
                let outcome = d.attempt.statusCode.map { "HTTP \($0)" } ?? "no response"
                print("\(format.format(d.at))\t\(d.attempt.messageID)\tattempt \(d.attempt.attempt)\t\(outcome)"
                      + "\t\(d.attempt.latencyMilliseconds.map { "\($0) ms" } ?? "-")\(d.attempt.error.map { "\t\($0)" } ?? "")")
            }
        }
    }

    /// Prints `message` on standard error; the command exits with status 1 (no usage text).
    static func failure(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(1)
    }

    static func view(_ w: Webhook) -> [String: Any] {
        let format = Date.ISO8601FormatStyle()
        return ["id": w.id, "tenant": w.tenant, "url": w.url, "events": w.events, "description": w.description ?? NSNull(),
                "disabled": w.disabled, "created_at": format.format(w.createdAt)]
    }
}
