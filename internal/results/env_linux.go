//go:build linux

package results

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// uname returns "sysname release version" and the machine name.
func uname() (kernel, machine string, err error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", "", fmt.Errorf("uname: %w", err)
	}
	s := func(b []byte) string { return unix.ByteSliceToString(b) }
	return strings.Join([]string{s(u.Sysname[:]), s(u.Release[:]), s(u.Version[:])}, " "), s(u.Machine[:]), nil
}

// fsNames names the file system magic numbers statfs reports.
var fsNames = map[int64]string{
	unix.EXT4_SUPER_MAGIC:      "ext4", // also ext2 and ext3, which share the magic
	unix.XFS_SUPER_MAGIC:       "xfs",
	unix.BTRFS_SUPER_MAGIC:     "btrfs",
	unix.TMPFS_MAGIC:           "tmpfs",
	unix.RAMFS_MAGIC:           "ramfs",
	unix.OVERLAYFS_SUPER_MAGIC: "overlayfs",
	unix.NFS_SUPER_MAGIC:       "nfs",
	unix.F2FS_SUPER_MAGIC:      "f2fs",
	unix.FUSE_SUPER_MAGIC:      "fuse",
	unix.V9FS_MAGIC:            "9p",
	unix.SQUASHFS_MAGIC:        "squashfs",
	unix.HOSTFS_SUPER_MAGIC:    "hostfs",
	unix.CIFS_SUPER_MAGIC:      "cifs",
	unix.BCACHEFS_SUPER_MAGIC:  "bcachefs",
	0x2fc12fc1:                 "zfs",
	0x5346544e:                 "ntfs",
	0x4d44:                     "vfat",
	0x2011bab0:                 "exfat",
}

// fsType returns the type of the file system holding path.
func fsType(path string) (string, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return "", fmt.Errorf("statfs %s: %w", path, err)
	}
	if name, ok := fsNames[int64(st.Type)]; ok {
		return name, nil
	}
	return fmt.Sprintf("0x%x", st.Type), nil
}
