package logic

import (
	"context"
	"fmt"

	"github.com/example/patient-rpc/internal/svc"
	"github.com/example/patient-rpc/pb"

	"github.com/zeromicro/go-zero/core/logx"
)

type GetPatientInfoLogic struct {
	ctx    context.Context
	svcCtx *svc.ServiceContext
	logx.Logger
}

func NewGetPatientInfoLogic(ctx context.Context, svcCtx *svc.ServiceContext) *GetPatientInfoLogic {
	return &GetPatientInfoLogic{ctx: ctx, svcCtx: svcCtx, Logger: logx.WithContext(ctx)}
}

func (l *GetPatientInfoLogic) GetPatientInfo(in *pb.GetPatientInfoRequest) (*pb.PatientInfoResponse, error) {
	var resp pb.PatientInfoResponse
	err := l.svcCtx.DB.QueryRowCtx(l.ctx, &resp, "select patient_id, name, age, gender from patient where patient_id = ?", in.PatientId)
	if err != nil {
		l.Errorf("get patient %s: %v", in.PatientId, err)
		return nil, err
	}
	fmt.Println("loaded patient", resp.Name)
	return &resp, nil
}
