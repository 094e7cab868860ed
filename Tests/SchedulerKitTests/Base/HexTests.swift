import Crypto
import Foundation
@testable import SchedulerKit
import Testing

/// The one hex encoder (digests, signatures, token hashes), against values written out by hand.
@Suite("Hex")
struct HexTests {
    @Test(arguments: [
        ([UInt8](), ""),
        ([0x00], "00"),
        ([0x0F, 0xA5, 0xFF, 0x10], "0fa5ff10"),
    ])
    func bytes(input: [UInt8], expected: String) {
        #expect(Hex.lowercase(input) == expected)
    }

    @Test("a SHA-256 digest, as `sha256sum` prints it")
    func digest() {
        #expect(Hex.lowercase(SHA256.hash(data: Data("abc".utf8)))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SchedulerClient.tokenHash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
