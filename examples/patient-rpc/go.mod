module github.com/example/patient-rpc

go 1.21

require (
	github.com/go-sql-driver/mysql v1.7.1
	github.com/zeromicro/go-zero v1.6.0
	google.golang.org/grpc v1.59.0
	google.golang.org/protobuf v1.31.0
)
