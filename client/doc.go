// Package client is gozeo's ClientStorage.
package client
