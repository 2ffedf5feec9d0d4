/* mvm: hvlab's management VM. A shell on its console whose commands
 * create, start, stop and destroy VMs through the hypervisor's management
 * extension, from JSON configs and images on its ext2 disk. It works only
 * as the VM that the hypervisor's command line names with mvm=N; any
 * other VM's calls are denied, which it says at boot. */
#include <stdio.h>

#include "commands.h"
#include "disk.h"
#include "hvmgmt/hvmgmt.h"
#include "shell/shell.h"

static const struct shell_command mvm_commands[] = {
    {"vm", "", "", NULL, vm_subcommands},
    {"ls", "[DIR]", "the files of the disk", cmd_ls, NULL},
    {"cat", "FILE", "a file of the disk", cmd_cat, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* Whether the hypervisor takes our calls: its version, and the VMs. */
static void greet_hypervisor(void)
{
	static struct hvmgmt_vm_info first; /* the call wants a buffer, even for a count */
	unsigned long version, vms;
	long error = hvmgmt_version(&version);
	if (!error)
		error = hvmgmt_vm_list(&first, 1, &vms);
	if (error == HVMGMT_ERR_DENIED) {
		printf("mvm: the hypervisor's management extension answers %s: "
		       "this VM is not the management VM (hvlab's mvm=N names it)\n",
		       hvmgmt_error_name(error));
		return;
	}
	if (error) {
		printf("mvm: no management extension here (%s): not under hvlab?\n",
		       hvmgmt_error_name(error));
		return;
	}
	printf("mvm: management extension version %lu, %lu VMs\n", version, vms);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("mvm: hvlab's management VM\n");
	greet_hypervisor();
	disk_mount();
	printf("mvm: type help for the commands\n");
	shell_run("mvm> ", mvm_commands);
	return 0;
}
