import ArgumentParser
import Foundation
import Pipeline
import Service

struct HooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hooks", abstract: "Add, list and delete inbound webhooks (POST /v1/hooks/NAME starts a workflow).",
        subcommands: [Add.self, List.self, Delete.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a hook and print its signing secret once.",
            discussion: "Example: runner hooks add articles --workflow narrate --map text=/data/text --tenant acme")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The hook's name, unique across the server (the URL is /v1/hooks/NAME).") var name: String
        @Option(help: "The workflow to run.") var workflow: String
        @Option(name: .customLong("map"), help: "FIELD=POINTER: an input field from a JSON pointer into the payload (repeatable).")
        var map: [String] = []
        @Option(name: .customLong("options"), help: "The jobs' options, a JSON object.") var options = "{}"
        @Option(help: "The tenant that owns the hook and its jobs.") var tenant = "default"
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard HookAdmin.validName(name) else { throw ValidationError("NAME must be 1 to 64 lower-case letters, digits, '-' or '_'") }
            guard HookAdmin.workflows.contains(workflow) else {
                throw ValidationError("--workflow must be one of \(HookAdmin.workflows.joined(separator: ", "))")
            }
            guard !map.isEmpty else { throw ValidationError("give at least one --map FIELD=POINTER, e.g. --map text=/text") }
            _ = try mapping()
            guard (try? JSON(text: options)) != nil, options.hasPrefix("{") else { throw ValidationError("--options must be a JSON object") }
        }

        func mapping() throws -> [String: String] {
            var result: [String: String] = [:]
            for item in map {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, HookAdmin.inputFields.contains(parts[0]), parts[1].isEmpty || parts[1].hasPrefix("/") else {
                    throw ValidationError("--map \(item): expected FIELD=/json/pointer with FIELD one of \(HookAdmin.inputFields.sorted().joined(separator: ", "))")
                }
                result[parts[0]] = parts[1]
            }
            return result
        }

        func run() async throws {
            let hook = Hook(tenant: tenant, name: name, secret: HookAdmin.generateSecret(), workflow: workflow, mapping: try mapping(),
                            options: try JSON(text: options).text)
            let created = try await withTriggerStore(store) { try await $0.createHook(hook) }
            if json {
                printJSON(["name": created.name, "tenant": created.tenant, "workflow": created.workflow, "mapping": created.mapping,
                           "url": "/v1/hooks/\(created.name)", "secret": created.secret])
            } else {
                print(created.secret)
                FileHandle.standardError.write(Data(
                    "created hook \(created.name) (POST /v1/hooks/\(created.name)) for tenant \(created.tenant); the secret above is shown only now\n".utf8))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's hooks (never their secrets).")
        @OptionGroup var store: StoreOptions
        @Option(help: "The tenant.") var tenant = "default"
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let hooks = try await withTriggerStore(store) { try await $0.hooks(tenant: tenant) }
            if json {
                printJSON(hooks.map { ["name": $0.name, "tenant": $0.tenant, "workflow": $0.workflow, "mapping": $0.mapping] as [String: Any] })
                return
            }
            for hook in hooks {
                let mapping = hook.mapping.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                print("\(hook.name)\t\(hook.workflow)\t\(mapping)")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a hook.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The tenant.") var tenant = "default"
        @Argument(help: "The hook's name.") var name: String

        func run() async throws {
            let deleted = try await withTriggerStore(store) { try await $0.deleteHook(named: name, tenant: tenant) }
            guard deleted else { throw ValidationError("no hook \(name) for tenant \(tenant)") }
            print("deleted \(name)")
        }
    }
}
