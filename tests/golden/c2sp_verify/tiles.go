package main

// c2sp_verify tiles DIR VERIFIER_KEY...: opens DIR/checkpoint (a mirror's, or a copy of GET /log/checkpoint) with
// note.Open, reads the C2SP checkpoint body (origin, size, base64 root), and has sumdb/tlog read every leaf hash of
// that tree from DIR's hash tiles (tile/<L>/<N>[.p/<W>], c2sp.org/tlog-tiles): TileHashReader proves each tile it
// loads against the signed root, so every leaf hash read is proven in the tree. With DIR/tile/entries, every entry
// of every bundle must hash (tlog.RecordHash) to its leaf. Prints "verified tree SIZE ROOT LEAVES ENTRIES".

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// dirTiles reads C2SP tiles from a folder: Go's tile paths carry the height (tile/8/L/N), C2SP's do not.
type dirTiles struct{ dir string }

func (d dirTiles) Height() int { return 8 }

func (d dirTiles) path(t tlog.Tile) string {
	return filepath.Join(d.dir, strings.Replace(t.Path(), "tile/8/", "tile/", 1))
}

func (d dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := os.ReadFile(d.path(t))
		if err != nil {
			return nil, err
		}
		data[i] = b
	}
	return data, nil
}

func (d dirTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func tilesMain(args []string) {
	if len(args) < 2 {
		fail(2, "usage: c2sp_verify tiles DIR VERIFIER_KEY...")
	}
	dir := args[0]
	msg, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		fail(2, "reading the checkpoint: %v", err)
	}
	n, err := note.Open(msg, verifierList(args[1:]))
	if err != nil {
		fail(1, "checkpoint refused: %v", err)
	}
	body := strings.Split(n.Text, "\n")
	if len(body) < 4 {
		fail(1, "not a checkpoint body: %q", n.Text)
	}
	size, err := strconv.ParseInt(body[1], 10, 64)
	root, err2 := base64.StdEncoding.DecodeString(body[2])
	if err != nil || err2 != nil || len(root) != tlog.HashSize {
		fail(1, "not a checkpoint body: %q", n.Text)
	}
	tree := tlog.Tree{N: size}
	copy(tree.Hash[:], root)
	reader := tlog.TileHashReader(tree, dirTiles{dir})
	if got, err := tlog.TreeHash(size, reader); err != nil || got != tree.Hash {
		fail(1, "the tiles do not give the signed root: %v", err)
	}
	indexes := make([]int64, size)
	for i := range indexes {
		indexes[i] = tlog.StoredHashIndex(0, int64(i))
	}
	leaves, err := reader.ReadHashes(indexes)
	if err != nil {
		fail(1, "reading the leaves from the tiles: %v", err)
	}
	entries, err := checkBundles(dir, leaves)
	if err != nil {
		fail(1, "entry bundles: %v", err)
	}
	fmt.Printf("verified tree %d %s %d %d\n", size, body[2], len(leaves), entries)
}

// checkBundles checks every entry of DIR/tile/entries against its proven leaf hash; none there is no error.
func checkBundles(dir string, leaves []tlog.Hash) (int, error) {
	if _, err := os.Stat(filepath.Join(dir, "tile", "entries")); errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	size := int64(len(leaves))
	checked := 0
	for start := int64(0); start < size; start += 256 {
		width := size - start
		if width > 256 {
			width = 256
		}
		t := tlog.Tile{H: 8, L: 0, N: start / 256, W: int(width)}
		p := filepath.Join(dir, strings.Replace(t.Path(), "tile/8/0/", "tile/entries/", 1))
		data, err := os.ReadFile(p)
		if err != nil {
			return checked, err
		}
		for i := int64(0); i < width; i++ {
			if len(data) < 2 || len(data) < 2+int(binary.BigEndian.Uint16(data)) {
				return checked, fmt.Errorf("%s: cut short at entry %d", p, i)
			}
			end := 2 + int(binary.BigEndian.Uint16(data))
			if tlog.RecordHash(data[2:end]) != leaves[start+i] {
				return checked, fmt.Errorf("%s: entry %d does not hash to leaf %d", p, i, start+i)
			}
			data = data[end:]
			checked++
		}
		if len(data) != 0 {
			return checked, fmt.Errorf("%s: %d bytes after its %d entries", p, len(data), width)
		}
	}
	return checked, nil
}
