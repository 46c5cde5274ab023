// Read an RSS feed on stdin, parse it with podcast-partytime (the Podcast Index parser),
// and print what the feeds tests compare, as JSON on stdout.
"use strict";
process.env.PARTYTIME_LOG = process.env.PARTYTIME_LOG || "silent";
const pt = require("podcast-partytime");

let xml = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (xml += chunk));
process.stdin.on("end", () => {
  const feed = pt.parseFeed(xml, { allowMissingGuid: false });
  if (!feed) {
    process.stdout.write("null\n");
    return;
  }
  const out = {
    title: feed.title,
    guid: feed.guid,
    locked: feed.locked,
    podcastOwner: feed.podcastOwner,
    medium: feed.medium,
    explicit: feed.explicit,
    itunesCategory: feed.itunesCategory,
    people: (feed.podcastPeople || []).map((p) => ({ name: p.name, role: p.role })),
    items: feed.items.map((item) => ({
      title: item.title,
      guid: item.guid,
      pubDate: item.pubDate ? item.pubDate.toISOString() : null,
      enclosure: item.enclosure,
      duration: item.duration,
      transcripts: (item.podcastTranscripts || []).map((t) => ({
        url: t.url,
        type: t.type,
        language: t.language,
        rel: t.rel,
      })),
      chapters: item.podcastChapters ? item.podcastChapters.url : null,
      people: (item.podcastPeople || []).map((p) => ({ name: p.name, role: p.role })),
      alternates: (item.alternativeEnclosures || []).map((a) => ({
        type: a.type,
        length: a.length,
        sources: (a.source || []).map((s) => s.uri),
        lang: a.lang,
        title: a.title,
        bitrate: a.bitrate,
        codecs: a.codecs,
      })),
      soundbites: (item.podcastSoundbites || []).map((s) => ({
        startTime: s.startTime,
        duration: s.duration,
        title: s.title,
      })),
    })),
  };
  process.stdout.write(JSON.stringify(out) + "\n");
});
