import Basics
import Foundation
import Testing

/// The JSON writer of the service's answers and canonical hashes: what JSONSerialization reads
/// comes back with the same types (booleans stay booleans, integers stay integers), keys sorted.
struct JSONTextTests {
    @Test func parsedValuesKeepTheirTypesAndKeysComeSorted() throws {
        let source = #"{"z":true,"a":1,"m":1.5,"b":false,"n":null,"big":1733616000000,"list":[0,"x/y",{"k":-2}],"s":"ünï \"q\""}"#
        let parsed = try JSONSerialization.jsonObject(with: Data(source.utf8))
        #expect(try JSONText.string(parsed)
            == #"{"a":1,"b":false,"big":1733616000000,"list":[0,"x/y",{"k":-2}],"m":1.5,"n":null,"s":"ünï \"q\"","z":true}"#)
    }

    @Test func stringsAndNumbersSurviveARoundTripThroughAnotherReader() throws {
        let tricky = "quote \" backslash \\ newline \n tab \t bell \u{07} nul-free ünï 日本 🎧 </script>"
        let object: [String: Any] = ["s": tricky, "d": [0.1, 1e300, -2.5e-8, 42.0, 1733616000000.0], "i": [Int.max, Int.min]]
        let text = try JSONText.string(object)
        #expect(text.contains(#""d":[0.1,1e+300,-2.5e-08,42,1733616000000]"#), "\(text)")
        let back = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(back["s"] as? String == tricky)
        #expect((back["i"] as? [NSNumber])?.map(\.int64Value) == [Int64.max, Int64.min])
        #expect(throws: JSONText.Unencodable.self) { try JSONText.data(["x": Double.nan]) }
    }

    @Test func swiftValuesAsTheViewsBuildThem() throws {
        let object: [String: Any] = ["flag": true, "count": 3, "ratio": 0.25, "none": NSNull(), "path": "/v1/jobs", "nested": ["b": 2, "a": [1, 2]]]
        #expect(try JSONText.string(object) == #"{"count":3,"flag":true,"nested":{"a":[1,2],"b":2},"none":null,"path":"/v1/jobs","ratio":0.25}"#)
        #expect(throws: JSONText.Unencodable.self) { try JSONText.data(["date": Date()]) }
    }
}
