#include "src/evpn/gobgp_client.h"

#include <chrono>

#include "src/evpn/evpn_routes.h"

namespace vsw::evpn {
namespace {

// Unary calls give up after 3 s: gobgpd answers in milliseconds or is gone.
std::unique_ptr<grpc::ClientContext> unary_context() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
    return ctx;
}

bool ok(const grpc::Status& s, std::string& err) {
    if (s.ok()) return true;
    err = s.error_message().empty() ? "gRPC status " + std::to_string(s.error_code())
                                    : s.error_message();
    return false;
}

}  // namespace

GobgpClient::GobgpClient(const std::string& target)
    : channel_(grpc::CreateChannel(target, grpc::InsecureChannelCredentials())),
      stub_(apipb::GobgpApi::NewStub(channel_)) {}

GobgpClient::~GobgpClient() {
    stop_watch();
}

uint32_t GobgpClient::local_as(std::string& err) {
    apipb::GetBgpRequest req;
    apipb::GetBgpResponse resp;
    if (!ok(stub_->GetBgp(unary_context().get(), req, &resp), err)) return 0;
    if (resp.global().asn() == 0) err = "gobgpd has not started BGP (no global AS)";
    return resp.global().asn();
}

bool GobgpClient::add_path(const apipb::Path& p, std::string& err) {
    apipb::AddPathRequest req;
    req.set_table_type(apipb::GLOBAL);
    *req.mutable_path() = p;
    apipb::AddPathResponse resp;
    return ok(stub_->AddPath(unary_context().get(), req, &resp), err);
}

bool GobgpClient::delete_path(const apipb::Path& p, std::string& err) {
    apipb::DeletePathRequest req;
    req.set_table_type(apipb::GLOBAL);
    *req.mutable_family() = evpn_family();
    *req.mutable_path() = p;
    google::protobuf::Empty resp;
    return ok(stub_->DeletePath(unary_context().get(), req, &resp), err);
}

bool GobgpClient::list_local_paths(std::vector<apipb::Path>& out, std::string& err) {
    apipb::ListPathRequest req;
    req.set_table_type(apipb::GLOBAL);
    *req.mutable_family() = evpn_family();
    auto ctx = unary_context();
    auto reader = stub_->ListPath(ctx.get(), req);
    apipb::ListPathResponse resp;
    while (reader->Read(&resp))
        for (const auto& p : resp.destination().paths())
            // gobgpd names no neighbor for the paths it originated ("<nil>": no address).
            if (p.neighbor_ip().empty() || p.neighbor_ip() == "<nil>") out.push_back(p);
    return ok(reader->Finish(), err);
}

void GobgpClient::start_watch() {
    stop_watch();
    broken_ = false;
    watch_ctx_ = std::make_unique<grpc::ClientContext>();
    watcher_ = std::thread([this, ctx = watch_ctx_.get()] {
        apipb::WatchEventRequest req;
        auto* f = req.mutable_table()->add_filters();
        f->set_type(apipb::WatchEventRequest::Table::Filter::BEST);
        f->set_init(true);
        auto reader = stub_->WatchEvent(ctx, req);
        apipb::WatchEventResponse resp;
        while (reader->Read(&resp)) {
            if (!resp.has_table()) continue;
            std::lock_guard<std::mutex> lock(mu_);
            for (const auto& p : resp.table().paths()) events_.push_back(p);
        }
        reader->Finish();
        broken_ = true;
    });
}

void GobgpClient::stop_watch() {
    if (watch_ctx_) watch_ctx_->TryCancel();
    if (watcher_.joinable()) watcher_.join();
    watch_ctx_.reset();
}

std::vector<apipb::Path> GobgpClient::take_events() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(events_, {});
}

}  // namespace vsw::evpn
