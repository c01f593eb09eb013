import Foundation

/// On-call shifts as an RFC 5545 calendar, for importing into calendar programs.
public enum OnCallICS {
    /// One event of the calendar.
    public struct Event: Sendable {
        public var schedule: String
        public var shift: Shift
        public init(schedule: String, shift: Shift) {
            self.schedule = schedule
            self.shift = shift
        }
    }

    /// The calendar text: CRLF line ends, lines folded at 75 octets, times in UTC.
    public static func calendar(named name: String, events: [Event], stamp: Timestamp) -> String {
        var lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Klaxon//On call//EN", "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH", "X-WR-CALNAME:" + escape(name)
        ]
        for event in events {
            let s = event.shift
            let who = s.users.joined(separator: ", ")
            lines += [
                "BEGIN:VEVENT",
                // Stable across exports, so a re-import updates rather than duplicates.
                "UID:" + "\(event.schedule)-\(utc(s.start))-\(utc(s.end))-\(s.users.joined(separator: "+"))@klaxon",
                "DTSTAMP:" + utc(stamp),
                "DTSTART:" + utc(s.start),
                "DTEND:" + utc(s.end),
                "SUMMARY:" + escape("On call: \(event.schedule) (\(who))"),
                "DESCRIPTION:"
                    + escape("\(who) on call for \(event.schedule).\nFrom klaxon oncall ics; times are UTC."),
                "TRANSP:TRANSPARENT",
                "END:VEVENT"
            ]
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    /// `20261123T150000Z`
    static func utc(_ t: Timestamp) -> String {
        let c = CivilDateTime.from(milliseconds: t.milliseconds, offsetSeconds: 0).0
        return c.isoDate.replacingOccurrences(of: "-", with: "") + "T"
            + c.isoTime.replacingOccurrences(of: ":", with: "") + "Z"
    }

    /// TEXT values escape backslash, semicolon, comma and newline (RFC 5545 3.3.11).
    static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n": out += "\\n"
            case "\r": break
            default: out.append(ch)
            }
        }
        return out
    }

    /// Folds a content line into pieces of at most 75 octets, never inside a UTF-8 sequence
    /// (RFC 5545 3.1): continuation lines start with a space.
    static func fold(_ line: String) -> String {
        var pieces: [String] = []
        var current = ""
        var octets = 0
        var limit = 75
        for scalar in line.unicodeScalars {
            let size = String(scalar).utf8.count
            if octets + size > limit {
                pieces.append(current)
                current = " "
                octets = 1
                limit = 75
            }
            current.unicodeScalars.append(scalar)
            octets += size
        }
        pieces.append(current)
        return pieces.joined(separator: "\r\n")
    }
}
