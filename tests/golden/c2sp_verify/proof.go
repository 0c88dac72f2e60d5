package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// A certificate's offline proof, cems-certificate-proof/1 (docs/API-NOTES.md): what this glue reads of it is each
// event's entry bytes and c2sp.org/tlog-proof text. Each proof is checked on its own, as any tlog-proof reader
// would: its checkpoint opened by note.Open, the checkpoint's size and root read (c2sp.org/tlog-checkpoint), and
// tlog.CheckRecord proving tlog.RecordHash(entry) at the proof's index in that tree.
type certificateProof struct {
	Events []struct {
		Entry     []byte `json:"entry"` // standard base64 in the file
		TlogProof string `json:"tlog_proof"`
	} `json:"events"`
}

// checkProofs prints "proved INDEX" for each event, then "verified N events ORIGIN SIZE".
func checkProofs(input []byte, verifiers note.Verifiers) {
	var file certificateProof
	if err := json.Unmarshal(input, &file); err != nil || len(file.Events) == 0 {
		fail(2, "not a certificate proof: %v", err)
	}
	var origin string
	var size int64
	for i, event := range file.Events {
		index, path, checkpoint, err := parseProof(event.TlogProof)
		if err != nil {
			fail(1, "refused: event %d: %v", i+1, err)
		}
		n, err := note.Open(checkpoint, verifiers)
		if err != nil {
			fail(1, "refused: event %d: %v", i+1, err)
		}
		var root tlog.Hash
		origin, size, root, err = parseCheckpoint(n.Text)
		if err != nil {
			fail(1, "refused: event %d: %v", i+1, err)
		}
		if err := tlog.CheckRecord(path, size, root, index, tlog.RecordHash(event.Entry)); err != nil {
			fail(1, "refused: event %d (leaf %d): %v", i+1, index, err)
		}
		fmt.Printf("proved %d\n", index)
	}
	fmt.Printf("verified %d events %s %d\n", len(file.Events), origin, size)
}

// parseProof reads a c2sp.org/tlog-proof@v1 text: the index, the inclusion path, the checkpoint (a signed note).
func parseProof(text string) (int64, tlog.RecordProof, []byte, error) {
	head, checkpoint, found := strings.Cut(text, "\n\n")
	lines := strings.Split(head, "\n")
	if !found || lines[0] != "c2sp.org/tlog-proof@v1" {
		return 0, nil, nil, fmt.Errorf("not a c2sp.org/tlog-proof@v1")
	}
	lines = lines[1:]
	if len(lines) > 0 && strings.HasPrefix(lines[0], "extra ") {
		lines = lines[1:]
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "index ") {
		return 0, nil, nil, fmt.Errorf("no index line")
	}
	index, err := strconv.ParseInt(strings.TrimPrefix(lines[0], "index "), 10, 64)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("malformed index: %v", err)
	}
	var path tlog.RecordProof
	for _, line := range lines[1:] {
		h, err := tlog.ParseHash(line)
		if err != nil {
			return 0, nil, nil, err
		}
		path = append(path, h)
	}
	return index, path, []byte(checkpoint), nil
}

// parseCheckpoint reads a checkpoint body: origin, tree size and base64 root hash, a line each.
func parseCheckpoint(text string) (string, int64, tlog.Hash, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 {
		return "", 0, tlog.Hash{}, fmt.Errorf("malformed checkpoint")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return "", 0, tlog.Hash{}, fmt.Errorf("malformed checkpoint size: %v", err)
	}
	root, err := tlog.ParseHash(lines[2])
	return lines[0], size, root, err
}
