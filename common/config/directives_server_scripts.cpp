// Rows for the multi-client server's per-client hooks: client-config-dir,
// ccd-exclusive, the learn-address / client-connect / client-disconnect /
// auth-user-pass-verify scripts, username-as-common-name and tmp-dir.  Argument
// forms follow OpenVPN 2.6 options.c (add_option, set_user_script); "requires mode
// server", ccd-exclusive's and username-as-common-name's partners and the
// script-security warning are validate_server.cpp's (they depend on later lines).
#include <fmt/format.h>

#include "common/config/arg_parse.hpp"
#include "common/config/directive.hpp"
#include "common/config/directive_lines.hpp"

namespace vpn::config {
namespace {

std::string nonempty_arg(const Directive& d, std::size_t i, std::string_view what) {
    if (d.args[i].empty()) fail(d.origin, fmt::format("'{}': empty argument, expected {}", d.name, what));
    return d.args[i];
}

// options.c: set_user_script warns when a script replaces an earlier one.
void set_script(ParseContext& c, const Directive& d, std::optional<std::string>& slot) {
    std::string cmd = nonempty_arg(d, 0, "a command (quoted if it has arguments)");
    if (slot) {
        if (const Origin* before = line_of(c.opts.server, d.name)) {
            c.warning(d.origin, fmt::format("'{}' given again; this script replaces the one at {}", d.name,
                                            before->str()));
        }
    }
    slot = std::move(cmd);
    remember_line(c.opts.server, d);
}

void parse_ccd(ParseContext& c, const Directive& d) {
    // Relative to `cd`, as 2.6 reads it after chdir().
    c.opts.server.client_config_dir = resolve_path(c.state.base_dir, nonempty_arg(d, 0, "a directory"));
    remember_line(c.opts.server, d);
}

void parse_ccd_exclusive(ParseContext& c, const Directive& d) {
    c.opts.server.ccd_exclusive = true;
    remember_line(c.opts.server, d);
}

void parse_learn_address(ParseContext& c, const Directive& d) { set_script(c, d, c.opts.server.learn_address); }
void parse_client_connect(ParseContext& c, const Directive& d) { set_script(c, d, c.opts.server.client_connect); }
void parse_client_disconnect(ParseContext& c, const Directive& d) {
    set_script(c, d, c.opts.server.client_disconnect);
}

void parse_auth_verify(ParseContext& c, const Directive& d) {
    const std::string& how = d.args[1];
    if (how != "via-file" && how != "via-env") {
        fail(d.origin, fmt::format("'auth-user-pass-verify': {} is not a method, expected via-file or via-env as "
                                   "the second argument",
                                   shown(how)));
    }
    set_script(c, d, c.opts.server.auth_user_pass_verify);
    c.opts.server.auth_verify_via_file = how == "via-file";
}

void parse_username_as_cn(ParseContext& c, const Directive& d) {
    c.opts.server.username_as_common_name = true;
    remember_line(c.opts.server, d);
}

void parse_tmp_dir(ParseContext& c, const Directive& d) {
    c.opts.server.tmp_dir = resolve_path(c.state.base_dir, nonempty_arg(d, 0, "a directory"));
    remember_line(c.opts.server, d);
}

constexpr DirectiveSpec kRows[] = {
    {"client-config-dir", 1, 1, "DIR", "directory", "mode server: per-client options in DIR/<common name> (or DIR/DEFAULT): ifconfig-push, iroute, push, push-reset, push-remove, disable", parse_ccd},
    {"ccd-exclusive", 0, 0, "", "", "mode server: refuse clients without their own client-config-dir file", parse_ccd_exclusive},
    {"learn-address", 1, 1, "CMD", "command, quoted if it has arguments", "mode server: run CMD add|update|delete ADDRESS [CN] as client addresses come and go (needs script-security 2)", parse_learn_address},
    {"client-connect", 1, 1, "CMD", "command, quoted if it has arguments", "mode server: run CMD FILE when a client connects; FILE may return options for it (needs script-security 2)", parse_client_connect},
    {"client-disconnect", 1, 1, "CMD", "command, quoted if it has arguments", "mode server: run CMD when a client disconnects (needs script-security 2)", parse_client_disconnect},
    {"auth-user-pass-verify", 2, 2, "CMD via-file|via-env", "command (quoted if it has arguments), then via-file or via-env", "mode server: check client username/password with CMD (via-file: a temporary file in tmp-dir; via-env: script-security 3)", parse_auth_verify},
    {"username-as-common-name", 0, 0, "", "", "mode server: use the authenticated username as the client's common name", parse_username_as_cn},
    {"tmp-dir", 1, 1, "DIR", "directory", "where client-connect and auth-user-pass-verify via-file files go (default /tmp)", parse_tmp_dir},
};

}  // namespace

std::span<const DirectiveSpec> server_script_directives() { return kRows; }

}  // namespace vpn::config
