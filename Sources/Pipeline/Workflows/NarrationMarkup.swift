import Foundation
import Providers

/// narrate's `markup.txt` and `markup.json`: one block per segment, in order, tying its title
/// and text to its picture (when it has one) and its audio by asset id (the ids
/// `GET /v1/assets/{id}` takes):
///
/// ```
/// [[SEGMENT id=<segment-id>]]
/// # <segment title>
///
/// <segment text>
///
/// [[IMAGE asset_id=<image-asset-id>]]
/// [[AUDIO asset_id=<audio-asset-id>]]
/// [[/SEGMENT]]
/// ```
struct NarrationMarkup {
    struct Asset: Codable, Equatable {
        var assetID: String
        var uri: String
        enum CodingKeys: String, CodingKey { case assetID = "asset_id", uri }
    }

    struct Segment: Codable {
        var id: Int
        var title: String
        var text: String
        var chapter: Int
        /// Where the segment's speech lies in the assembled audio, seconds.
        var start: Double
        var end: Double
        var image: Asset?
        var audio: Asset?
    }

    struct Document: Codable {
        var jobID: String
        var title: String?
        var segments: [Segment]
        enum CodingKeys: String, CodingKey { case jobID = "job_id", title, segments }
    }

    let document: Document

    init(job: UUID, plan: SegmentPlan, clips: [SynthesizedSegment], pictures: [IllustratedSegment], spans: [[Double]]) {
        func asset(_ published: PublishedAsset) -> Asset { Asset(assetID: AssetID.make(job: job, uri: published.uri), uri: published.uri) }
        let images = Dictionary(pictures.map { ($0.segment, asset($0.asset)) }) { first, _ in first }
        let audio = Dictionary(clips.map { ($0.index, asset($0.asset)) }) { first, _ in first }
        var segments: [Segment] = []
        for (i, segment) in plan.segments.enumerated() {
            let chapterTitle = plan.chapterTitles.indices.contains(segment.chapter) ? plan.chapterTitles[segment.chapter] : nil
            let title = Self.oneLine(chapterTitle ?? "Chapter \(segment.chapter + 1)")
            let span = spans.indices.contains(i) && spans[i].count == 2 ? spans[i] : [0, 0]
            segments.append(Segment(id: segment.index, title: title, text: segment.text, chapter: segment.chapter,
                                    start: span[0], end: span[1], image: images[segment.index], audio: audio[segment.index]))
        }
        document = Document(jobID: job.uuidString.lowercased(), title: plan.title, segments: segments)
    }

    /// A title on one line: a line break would end the `# ` line early.
    static func oneLine(_ text: String) -> String { text.split(whereSeparator: \.isNewline).joined(separator: " ") }

    var text: String {
        var out = ""
        for segment in document.segments {
            out += "[[SEGMENT id=\(segment.id)]]\n# \(segment.title)\n\n\(segment.text)\n\n"
            if let image = segment.image { out += "[[IMAGE asset_id=\(image.assetID)]]\n" }
            out += "[[AUDIO asset_id=\(segment.audio?.assetID ?? "")]]\n[[/SEGMENT]]\n\n"
        }
        return out
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(document)
    }
}
