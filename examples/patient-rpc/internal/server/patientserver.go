package server

import (
	"context"

	"github.com/example/patient-rpc/internal/logic"
	"github.com/example/patient-rpc/internal/svc"
	"github.com/example/patient-rpc/pb"
)

type PatientServer struct {
	svcCtx *svc.ServiceContext
	pb.UnimplementedPatientServer
}

func NewPatientServer(svcCtx *svc.ServiceContext) *PatientServer {
	return &PatientServer{svcCtx: svcCtx}
}

func (s *PatientServer) GetPatientInfo(ctx context.Context, in *pb.GetPatientInfoRequest) (*pb.PatientInfoResponse, error) {
	return logic.NewGetPatientInfoLogic(ctx, s.svcCtx).GetPatientInfo(in)
}
