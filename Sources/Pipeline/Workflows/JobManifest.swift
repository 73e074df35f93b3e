import Foundation
import Providers

/// `jobs/<job_id>/manifest.json`: the job, its input and options, its steps, and every asset
/// it published with uri, bytes and sha256.
struct JobManifest: Encodable {
    var jobID: String
    var workflow: String
    var input: JSON
    var steps: [String]
    var assets: [PublishedAsset]
    var summary: [String: JSONValue]
    var warnings: [String]
    var skipped: [SkippedStep] = []

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", workflow, input, steps, assets, summary, warnings, skipped
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jobID, forKey: .jobID)
        try container.encode(workflow, forKey: .workflow)
        try container.encode(try JSONDecoder().decode(JSONValue.self, from: Data(input.text.utf8)), forKey: .input)
        try container.encode(steps, forKey: .steps)
        try container.encode(assets, forKey: .assets)
        try container.encode(summary, forKey: .summary)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(skipped, forKey: .skipped)
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// A step that did not run for lack of configuration, and what would enable it.
package struct SkippedStep: Codable, Sendable, Equatable {
    package var step: String
    package var reason: String
    package var enableWith: String

    enum CodingKeys: String, CodingKey { case step, reason, enableWith = "enable_with" }
}
