#!/usr/bin/env python3
"""Reads an iCalendar file with the `ical` library (a strict RFC 5545 parser) and prints its events as
JSON, or exits 1 naming what is wrong. Also checks what `ical` lets pass: CRLF line ends, lines of at
most 75 octets, and a UID and DTSTAMP on every event."""
import json
import sys

from ical.calendar_stream import IcsCalendarStream

data = open(sys.argv[1], "rb").read()
lines = data.split(b"\r\n")
if lines[-1] != b"" or any(b"\n" in line or b"\r" in line for line in lines):
    sys.exit("ics_check: lines must end with CRLF")
if any(len(line) > 75 for line in lines):
    sys.exit("ics_check: a line is longer than 75 octets")
text = data.decode("utf-8")
for block in text.split("BEGIN:VEVENT")[1:]:
    unfolded = block.replace("\r\n ", "")
    for prop in ("\r\nUID:", "\r\nDTSTAMP:", "\r\nDTSTART:", "\r\nDTEND:"):
        if prop not in unfolded:
            sys.exit(f"ics_check: an event has no {prop.strip()}")
calendar = IcsCalendarStream.calendar_from_ics(text)
print(json.dumps([{"uid": e.uid, "start": e.dtstart.isoformat(), "end": e.dtend.isoformat(), "summary": e.summary}
                  for e in calendar.events]))
