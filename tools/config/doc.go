// Package config reads the ZConfig files that configure runzeo, strictly,
// into the typed configuration gozeo's server runs with.
//
// No Go ZConfig parser exists, so this package holds a small one (the
// syntax of ZConfig's cfgparser.py) and a fixed schema: the <zeo>,
// <filestorage> and <eventlog> sections runzeo accepts, with gozeo's own
// additions. Anything the schema does not know is an error naming the file
// and line, never silently ignored:
//
//	zeo.conf:7: unknown key "adress" in <zeo>
//
// # Grammar
//
// A file is a sequence of lines; each is trimmed of surrounding white
// space first.
//
//	file      = { line } ;
//	line      = blank | comment | directive | start | end | keyvalue ;
//	blank     = "" ;
//	comment   = "#" { any } ;                     (only as the whole line)
//	directive = "%define" ws NAME [ ws value ]
//	          | "%include" ws value               (path, relative to the
//	                                               including file)
//	          | "%import" ws value ;              (rejected: fixed schema)
//	start     = "<" TYPE [ ws SECNAME ] [ "/" ] ">" ;   ("/": empty section)
//	end       = "</" TYPE ">" ;                   (must match the open TYPE)
//	keyvalue  = KEY [ ws value ] ;               (value = rest of the line)
//	TYPE, SECNAME, KEY = 1*( any but white space, "(" and ")" ) ;
//	NAME      = ( letter | "_" ) { letter | digit | "_" } ;
//
// Keys, section types, section names and %define names are
// case-insensitive (lowercased, as ZConfig does); values keep their case.
// A "#" after a value is part of the value.
//
// Values, %include paths and %define values are substituted:
//
//	$$          a literal "$"
//	$NAME       the value of %define NAME (defined earlier, any file)
//	${NAME}     the same
//	$(NAME)     the environment variable NAME
//
// An undefined name is an error. A %define may repeat only with the same
// value.
//
// # Schema
//
//	<zeo>                        at most one
//	  address ADDRESS            required, here or on the command line (-a)
//	  read-only BOOL             false
//	  invalidation-queue-size N  100
//	  invalidation-age SECONDS   none
//	  transaction-timeout SECONDS none
//	  monitor-address ADDRESS    none (the old ZEO monitor server)
//	  client-conflict-resolution BOOL  accepted; gozeo always leaves
//	                             conflict resolution to the clients
//	  msgpack BOOL               unset: $ZEO_MSGPACK non-empty
//	  pid-filename PATH          none
//	  metrics-address ADDRESS    none (gozeo: Prometheus /metrics)
//	  max-connections N          10000 (gozeo)
//	  max-frame-size SIZE        64MB (gozeo)
//	  output-buffer-limit SIZE   64MB (gozeo)
//	  <ssl>                      at most one
//	    certificate PATH         required
//	    key PATH
//	    password-function NAME   rejected: not supported
//	    authenticate PATH        required (CA file or directory: client
//	                             certificates are always required)
//	  </ssl>
//	</zeo>
//	<filestorage [NAME]>         one or more (here or -f); NAME defaults
//	  path PATH                  to "1"; names are unique
//	  read-only BOOL             false
//	  create BOOL                false
//	  pack-gc BOOL               true
//	  pack-keep-old BOOL         true
//	  quota SIZE                 none
//	  compress CODEC             off (zlib | zstd | s2 | off)
//	</filestorage>
//	<eventlog>                   at most one
//	  level LEVEL                INFO
//	  <logfile>                  zero or more
//	    path PATH                required; STDOUT and STDERR name the streams
//	    format TEXT              "------\n%(asctime)s %(levelname)s %(name)s %(message)s"
//	    level LEVEL              NOTSET
//	  </logfile>
//	</eventlog>
//
// Datatypes: BOOL is true/false, yes/no, on/off or 1/0. SIZE is a count of
// bytes with an optional KB, MB, GB or TB suffix (powers of 1024). SECONDS
// is an integer or decimal number. ADDRESS is host:port, [ipv6]:port, :port
// or a bare port (all interfaces), or a Unix socket path containing "/".
// LEVEL is CRITICAL, ERROR, WARNING, INFO, BLATHER, DEBUG, TRACE, NOTSET
// (or FATAL, WARN, ALL) or a number from 0 to 50.
//
// The command line of runzeo overrides the file: see Overrides and
// Config.Apply. Config.Validate checks what only the combination can tell
// (an address and at least one storage).
package config
