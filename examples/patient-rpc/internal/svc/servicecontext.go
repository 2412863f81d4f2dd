package svc

import (
	"github.com/example/patient-rpc/internal/config"
	"github.com/zeromicro/go-zero/core/stores/sqlx"
)

type ServiceContext struct {
	Config config.Config
	DB     sqlx.SqlConn
}

func NewServiceContext(c config.Config) *ServiceContext {
	// go-zero's sqlx bounds the pool itself (64 open, 64 idle, 1 minute lifetime).
	return &ServiceContext{Config: c, DB: sqlx.NewMysql(c.DB.DataSource)}
}
