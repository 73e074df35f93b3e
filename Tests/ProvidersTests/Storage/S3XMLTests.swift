import Foundation
import Testing

@testable import Providers

/// S3's XML answers, in the shapes AWS documents and moto sends.
struct S3XMLTests {
    @Test func errorBodyGivesCodeMessageAndRequestID() throws {
        let body = Data(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>NoSuchKey</Code><Message>The resource you requested does not exist</Message>
              <Resource>/mybucket/myfoto.jpg</Resource><RequestId>4442587FB7D0A2F9</RequestId></Error>
            """.utf8)
        let error = try #require(S3ErrorBody.parse(body))
        #expect(error == S3ErrorBody(
            code: "NoSuchKey", message: "The resource you requested does not exist", requestID: "4442587FB7D0A2F9",
            resource: "/mybucket/myfoto.jpg"))
        #expect(!error.isTransient)
        #expect(S3ErrorBody(code: "SlowDown", message: "").isTransient)
        #expect(S3ErrorBody(code: "InternalError", message: "").isTransient)
    }

    @Test func signatureErrorsKeepNothingButCodeAndMessage() throws {
        let body = Data(
            "<Error><Code>SignatureDoesNotMatch</Code><Message>bad</Message><StringToSign>AWS4 secret-ish</StringToSign><RequestId>r</RequestId><HostId>h</HostId></Error>".utf8)
        let error = try #require(S3ErrorBody.parse(body))
        #expect(error.code == "SignatureDoesNotMatch")
        #expect(!"\(error)".contains("secret-ish"))
    }

    @Test func nonXMLBodiesAreNotErrors() {
        #expect(S3ErrorBody.parse(Data()) == nil)
        #expect(S3ErrorBody.parse(Data("<html><body>500 Internal Server Error</body></html>".utf8)) == nil)
        #expect(S3ErrorBody.parse(Data("<InitiateMultipartUploadResult/>".utf8)) == nil)
    }

    @Test func initiateGivesTheUploadID() {
        let body = Data(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Bucket>example-bucket</Bucket><Key>example-object</Key>
              <UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>
            </InitiateMultipartUploadResult>
            """.utf8)
        #expect(S3XML.uploadID(fromInitiate: body) == "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA")
        #expect(S3XML.uploadID(fromInitiate: Data("<Error><Code>AccessDenied</Code></Error>".utf8)) == nil)
    }

    @Test func listPartsPagesAndKeepsQuotedETags() throws {
        let body = Data(
            """
            <ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <UploadId>u</UploadId><PartNumberMarker>1</PartNumberMarker><NextPartNumberMarker>3</NextPartNumberMarker>
              <MaxParts>2</MaxParts><IsTruncated>true</IsTruncated>
              <Part><PartNumber>2</PartNumber><ETag>"7778aef83f66abc1fa1e8477f296d394"</ETag><Size>10485760</Size></Part>
              <Part><PartNumber>3</PartNumber><ETag>"aaaa18db4cc2f85cedef654fccc4a4x8"</ETag><Size>10485760</Size></Part>
            </ListPartsResult>
            """.utf8)
        let page = try #require(S3XML.parts(fromListParts: body))
        #expect(page.parts == [
            .init(number: 2, etag: "\"7778aef83f66abc1fa1e8477f296d394\"", size: 10_485_760),
            .init(number: 3, etag: "\"aaaa18db4cc2f85cedef654fccc4a4x8\"", size: 10_485_760),
        ])
        #expect(page.nextMarker == "3")
    }

    @Test func listMultipartUploadsGivesKeysAndMarkers() throws {
        let body = Data(
            """
            <ListMultipartUploadsResult><Bucket>b</Bucket><NextKeyMarker>my-movie.m2ts</NextKeyMarker>
              <NextUploadIdMarker>YW55IGlkZWEgd2h5</NextUploadIdMarker><IsTruncated>true</IsTruncated>
              <Upload><Key>my-divisor</Key><UploadId>XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw</UploadId></Upload>
              <Upload><Key>my-movie.m2ts</Key><UploadId>YW55IGlkZWEgd2h5</UploadId></Upload>
            </ListMultipartUploadsResult>
            """.utf8)
        let page = try #require(S3XML.uploads(fromListMultipartUploads: body))
        #expect(page.uploads.map(\.key) == ["my-divisor", "my-movie.m2ts"])
        #expect(page.nextMarkers?.key == "my-movie.m2ts")
        #expect(page.nextMarkers?.uploadID == "YW55IGlkZWEgd2h5")
    }

    @Test func completeReadsResultOrErrorEvenAfterWhitespace() {
        let ok = Data(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <CompleteMultipartUploadResult><Location>http://b.s3.amazonaws.com/k</Location><Bucket>b</Bucket>
            <Key>k</Key><ETag>"3858f62230ac3c915f300c664312c11f-9"</ETag></CompleteMultipartUploadResult>
            """.utf8)
        #expect(S3XML.complete(ok) == .completed(etag: "\"3858f62230ac3c915f300c664312c11f-9\""))
        // moto names the root differently; children decide.
        let moto = Data("<CompleteMultipartUploadResponse><ETag>\"e-2\"</ETag></CompleteMultipartUploadResponse>".utf8)
        #expect(S3XML.complete(moto) == .completed(etag: "\"e-2\""))
        let failed = Data(
            "\n  \n  <?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>656c76696e6727732072657175657374</RequestId></Error>".utf8)
        #expect(S3XML.complete(failed) == .failed(S3ErrorBody(
            code: "InternalError", message: "We encountered an internal error. Please try again.",
            requestID: "656c76696e6727732072657175657374")))
        #expect(S3XML.complete(Data("   ".utf8)) == .unreadable)
    }

    @Test func completeBodyListsPartsInOrderWithETagsVerbatim() {
        let body = S3XML.completeBody(parts: [(2, "\"b\""), (1, "\"a&<\"")])
        #expect(String(decoding: body, as: UTF8.self) ==
            #"<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#
            + #"<Part><PartNumber>1</PartNumber><ETag>"a&amp;&lt;"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>"b"</ETag></Part>"#
            + "</CompleteMultipartUpload>")
    }

    /// The documented shapes (S3 API reference, ListParts / CompleteMultipartUpload).
    @Test func checksumsInListPartsCompleteBodyAndCompleteAnswer() throws {
        let listed = Data(
            """
            <ListPartsResult><UploadId>u</UploadId><ChecksumAlgorithm>CRC32C</ChecksumAlgorithm><IsTruncated>false</IsTruncated>
              <Part><PartNumber>1</PartNumber><ETag>"e1"</ETag><ChecksumCRC32C>dUS5Cg==</ChecksumCRC32C><Size>5242880</Size></Part>
              <Part><PartNumber>2</PartNumber><ETag>"e2"</ETag><Size>7</Size></Part>
            </ListPartsResult>
            """.utf8)
        let page = try #require(S3XML.parts(fromListParts: listed))
        #expect(page.checksumAlgorithm == "CRC32C")
        #expect(page.parts.map(\.checksums) == [[.crc32c: "dUS5Cg=="], [:]])

        let body = S3XML.completeBody(parts: [(2, "\"e2\""), (1, "\"e1\"")], checksums: [1: "AAAAAA==", 2: "q/+6Pw=="], algorithm: .crc32c)
        #expect(String(decoding: body, as: UTF8.self).hasSuffix(
            #"<Part><PartNumber>1</PartNumber><ETag>"e1"</ETag><ChecksumCRC32C>AAAAAA==</ChecksumCRC32C></Part>"#
                + #"<Part><PartNumber>2</PartNumber><ETag>"e2"</ETag><ChecksumCRC32C>q/+6Pw==</ChecksumCRC32C></Part>"#
                + "</CompleteMultipartUpload>"))

        let answer = Data(
            """
            <CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><ETag>"x-2"</ETag>
            <ChecksumCRC32C>kkW6uw==-2</ChecksumCRC32C><ChecksumType>COMPOSITE</ChecksumType></CompleteMultipartUploadResult>
            """.utf8)
        #expect(S3XML.complete(answer) == .completed(etag: "\"x-2\""))
        #expect(S3XML.completeChecksums(answer) == [.crc32c: "kkW6uw==-2"])
        #expect(S3XML.completeChecksums(Data("<Error><Code>InternalError</Code></Error>".utf8)).isEmpty)
    }

    @Test func listObjectsV2GivesKeysSizesAndToken() throws {
        let body = Data(
            """
            <ListBucketResult><Name>b</Name><IsTruncated>true</IsTruncated><NextContinuationToken>tok</NextContinuationToken>
            <Contents><Key>jobs/1/audio.mp3</Key><Size>434234</Size></Contents>
            <Contents><Key>日本/a b.txt</Key><Size>3</Size></Contents></ListBucketResult>
            """.utf8)
        let page = try #require(S3XML.objects(fromListObjectsV2: body))
        #expect(page.objects.map(\.key) == ["jobs/1/audio.mp3", "日本/a b.txt"])
        #expect(page.objects.map(\.size) == [434_234, 3])
        #expect(page.continuationToken == "tok")
    }
}
