// Read an RSS feed on stdin and print what two Podcasting 2.0 parsers make of it, whole:
// {"partytime": podcast-partytime's parseFeed, "feedsmith": feedsmith's parseRssFeed}.
// The feeds tests compare every Podcast Index tag kotocast writes against both.
"use strict";
process.env.PARTYTIME_LOG = process.env.PARTYTIME_LOG || "silent";
const pt = require("podcast-partytime");
const feedsmith = require("feedsmith");

let xml = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (xml += chunk));
process.stdin.on("end", () => {
  const partytime = pt.parseFeed(xml, { allowMissingGuid: false });
  if (partytime) delete partytime.lastUpdate; // the parse time, not the feed's
  let parsed = null;
  try {
    parsed = feedsmith.parseRssFeed(xml);
  } catch (e) {
    parsed = { error: String(e) };
  }
  process.stdout.write(JSON.stringify({ partytime, feedsmith: parsed }) + "\n");
});
