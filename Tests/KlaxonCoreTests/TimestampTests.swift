import Foundation
import KlaxonCore
import Testing

struct TimestampTests {
    @Test func formatsUTCWithMilliseconds() {
        #expect(Timestamp(milliseconds: 0).rfc3339 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: 1_795_366_564_123).rfc3339 == "2026-11-22T16:56:04.123Z")
        #expect(Timestamp(milliseconds: -1).rfc3339 == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp.parseRFC3339("2024-02-29T12:00:00Z")!.rfc3339 == "2024-02-29T12:00:00.000Z")
    }

    @Test func parsesOffsetsAndFractions() {
        let utc = Timestamp.parseRFC3339("2026-11-22T16:56:04.123Z")
        #expect(Timestamp.parseRFC3339("2026-11-22T17:56:04.123+01:00") == utc)
        #expect(Timestamp.parseRFC3339("2026-11-22 11:26:04.123-05:30") == utc)
        #expect(Timestamp.parseRFC3339("2026-11-22T16:56:04.1234567Z")!.milliseconds == utc!.milliseconds)
    }

    @Test(arguments: [
        "2026-11-22T16:56:04", "2026-02-30T00:00:00Z", "2026-11-22T25:00:00Z", "2026-11-22", "yesterday",
        "2026-11-22T16:56:04.Z", "2026-11-22T16:56:04+1:00"
    ])
    func rejectsMalformedTimes(_ text: String) {
        #expect(Timestamp.parseRFC3339(text) == nil)
    }

    @Test func civilConversionAgreesWithFoundationOverManyInstants() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let ms = Int64.random(in: -4_000_000_000_000...8_000_000_000_000, using: &generator)
            let t = Timestamp(milliseconds: ms)
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            let expected = formatter.string(from: Date(timeIntervalSince1970: Double(ms.floorDiv(1000))))
            #expect(String(t.rfc3339.prefix(19)) + "Z" == expected)
            #expect(Timestamp.parseRFC3339(t.rfc3339) == t)
        }
    }

    @Test func durationsReadNaturally() {
        #expect(DurationText.short(seconds: 45) == "45s")
        #expect(DurationText.short(seconds: 720) == "12m")
        #expect(DurationText.short(seconds: 3 * 3600 + 5 * 60) == "3h05m")
        #expect(DurationText.short(seconds: 2 * 86400 + 4 * 3600) == "2d04h")
        #expect(DurationSyntax.milliseconds("800ms") == 800)
        #expect(DurationSyntax.milliseconds("1h30m") == 5_400_000)
        #expect(DurationSyntax.milliseconds("5 minutes") == nil)
    }
}

extension Int64 {
    func floorDiv(_ d: Int64) -> Int64 { self >= 0 ? self / d : (self - d + 1) / d }
}
