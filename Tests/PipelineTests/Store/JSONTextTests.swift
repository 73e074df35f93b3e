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

    @Test func swiftValuesAsTheViewsBuildThem() throws {
        let object: [String: Any] = ["flag": true, "count": 3, "ratio": 0.25, "none": NSNull(), "path": "/v1/jobs", "nested": ["b": 2, "a": [1, 2]]]
        #expect(try JSONText.string(object) == #"{"count":3,"flag":true,"nested":{"a":[1,2],"b":2},"none":null,"path":"/v1/jobs","ratio":0.25}"#)
        #expect(throws: JSONText.Unencodable.self) { try JSONText.data(["date": Date()]) }
    }
}
