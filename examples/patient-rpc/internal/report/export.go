// Package report exports nightly CRF summaries straight from the reporting replica.
package report

import (
	"database/sql"
	"time"

	_ "github.com/go-sql-driver/mysql"
)

func OpenReplica(dsn string) (*sql.DB, error) {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(10)
	db.SetMaxIdleConns(5)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}
