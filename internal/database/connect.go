// Package database opens blogbase's SQLite databases with settings chosen
// for a blog on a small server.
package database

import (
	"strconv"

	"github.com/pocketbase/dbx"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver PocketBase uses
)

// MaxOpenConns bounds the connections of the data database. Every
// connection keeps its own page cache, and PocketBase's default of 120
// lets a burst of slow list requests hold 120 of them, each allowed a
// 32 MB cache. Eight keep a 2-core server busy; the public reads are
// served from memory and do not queue on them.
const MaxOpenConns = 8

// MaxIdleConns is how many of them stay open between bursts.
const MaxIdleConns = 4

// PageCacheKiB is the page cache of each connection.
const PageCacheKiB = 4000

// Connect opens a database the way PocketBase does (WAL, a busy timeout
// that lets writers queue rather than fail, foreign keys, synchronous
// NORMAL, which keeps every committed transaction through a process crash),
// with a smaller page cache per connection: 4 MB, not 32 MB; and with
// transactions that take the write lock when they begin (BEGIN IMMEDIATE).
// Only writers open transactions here, and a deferred one that reads first
// cannot wait for the lock when it comes to write after another process
// (a seed run, the sqlite3 shell) has committed: SQLite fails it at once
// with SQLITE_BUSY_SNAPSHOT instead of letting the busy timeout queue it.
func Connect(dbPath string) (*dbx.DB, error) {
	// busy_timeout first, so that a connection waits on a lock while
	// another one switches the file to WAL mode
	pragmas := "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(200000000)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)" +
		"&_pragma=cache_size(-" + strconv.Itoa(PageCacheKiB) + ")&_txlock=immediate"
	return dbx.Open("sqlite", dbPath+pragmas)
}
