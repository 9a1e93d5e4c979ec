package main

import (
	"fmt"
	"os"
	"time"
)

// processHolder names this process in job leases: host, pid and start
// time, so a restarted process is a new holder.
func processHolder() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d:%d", host, os.Getpid(), time.Now().UnixNano())
}
